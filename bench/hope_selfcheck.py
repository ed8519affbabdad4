#!/usr/bin/env python3
"""Checks HOPE's workload (bench/hope_workload.py) without a model. For every family and each of
its first VARIATIONS variations, each in a fresh temporary workspace:

  1. the check fails on the untouched workspace with an empty answer;
  2. from the second variation on, an earlier answer is wrong for it: the check fails on the
     untouched workspace with the previous variation's reference answer, and when the previous
     variation's reference solution is replayed as it was (its own names) in this workspace;
  3. the reference solution passes the check, and the misled-guidance detector finds no earlier
     variation's value in its answer or in what it wrote;
  4. from the second variation on, the detector flags the previous variation's answer, and what
     that replay as it was answered or wrote, whenever it did not fail outright.

    python3 bench/hope_selfcheck.py [-v]

Exits 1 listing every broken rule, 0 when all hold.
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hope_workload as workload  # noqa: E402

VARIATIONS = 10


def judged(variation, workspace, answer):
    try:
        passed, reason = variation.check(workspace, answer)
    except Exception as failure:
        return False, f"check raised {failure!r}"
    return bool(passed), reason


class Workspace:
    """A fresh temporary folder set up with a variation's files."""

    def __init__(self, variation):
        self.variation = variation

    def __enter__(self):
        self.root = tempfile.mkdtemp(prefix="hope-selfcheck-")
        self.path = os.path.join(self.root, "workspace")
        workload.prepare(self.path, self.variation.files)
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.root, ignore_errors=True)


def reference_answer(variation):
    with Workspace(variation) as workspace:
        return variation.solve(workspace)


def problems_of(make, index):
    variation = make(index)
    earlier = [make(j) for j in range(index)]
    found = []
    if variation.solve is None:
        return ["no reference solution"]
    if not variation.values:
        found.append("no values")

    with Workspace(variation) as workspace:
        passed, reason = judged(variation, workspace, "")
        if passed:
            found.append(f"check passes on the untouched workspace with an empty answer ({reason})")

    with Workspace(variation) as workspace:
        try:
            answer = variation.solve(workspace)
        except Exception as failure:
            found.append(f"the reference solution raised {failure!r}")
        else:
            passed, reason = judged(variation, workspace, answer)
            if not passed:
                found.append(f"the reference solution does not pass: {reason}")
            hits = workload.stale(variation, earlier, workspace, answer)
            if hits:
                found.append(f"the detector flags the reference solution: {workload.stale_note(hits)}")

    if index == 0:
        return found
    previous = earlier[-1]
    old_answer = reference_answer(previous)
    with Workspace(variation) as workspace:
        passed, reason = judged(variation, workspace, old_answer)
        if passed:
            found.append(f"the previous variation's answer {old_answer!r} passes ({reason})")
        if not workload.stale(variation, earlier, workspace, old_answer):
            found.append(f"the detector does not flag the previous variation's answer {old_answer!r}")

    with Workspace(variation) as workspace:
        try:
            replayed = previous.solve(workspace)
        except Exception:
            replayed = None   # replayed as it was, it fails outright: nothing to judge
        if replayed is not None:
            passed, reason = judged(variation, workspace, replayed)
            if passed:
                found.append(f"replaying the previous variation as it was passes ({reason})")
            if not workload.stale(variation, earlier, workspace, replayed):
                found.append("the detector does not flag the previous variation replayed as it was")
    return found


def main():
    verbose = "-v" in sys.argv[1:]
    failures = []
    for family, make in workload.FAMILIES:
        for index in range(VARIATIONS):
            for problem in problems_of(make, index):
                failures.append(f"{family} {index + 1}: {problem}")
        if verbose:
            print(f"{family:<13} " + " | ".join(make(i).task for i in range(3)) + " | ...")
    print(f"{len(workload.FAMILIES)} families × {VARIATIONS} variations checked")
    if failures:
        for failure in failures:
            print(f"FAIL {failure}")
        sys.exit(1)
    print("every check fails untouched and on the previous variation's answer, passes on its reference solution; "
          "the detector flags earlier values and not the reference solutions")


if __name__ == "__main__":
    main()
