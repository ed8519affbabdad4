#!/usr/bin/env python3
"""Checks the agent benchmark's task set without a model: every task's check must be able to fail
and its reference solution must pass it. For every task, each in a fresh temporary workspace:

  1. set up; the check must fail on the untouched workspace with an empty answer, and with the
     task's plausible wrong answer;
  2. set up, apply the task's near miss (`spoil`) where it has one; the check must fail;
  3. set up, run the reference solution (`solve`); the check must pass with the answer it returns.

It also holds the set to its shape: every task has a known kind and half, a reference solution and
a wrong answer, names are unique, and every kind has tasks in both halves.

    python3 bench/agent/selfcheck.py [-v]

Exits 1 listing every task that breaks a rule, 0 when all hold.
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tasks as task_set  # noqa: E402


def judged(task, workspace, answer):
    try:
        passed, reason = task.check(workspace, answer)
    except Exception as failure:  # a crashing check counts as a failing one, and is reported
        return False, f"check raised {failure!r}"
    return bool(passed), reason


def in_fresh_workspace(task, act):
    """Sets the task up in a new temporary folder, calls act(workspace) and returns what it returns."""
    workspace = tempfile.mkdtemp(prefix=f"selfcheck-{task.name}-")
    try:
        task.setup(workspace)
        return act(workspace)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def problems_of(task):
    found = []
    if task.kind not in task_set.KINDS:
        found.append(f"unknown kind {task.kind!r}")
    if task.half not in task_set.HALVES:
        found.append(f"unknown half {task.half!r}")
    if task.solve is None:
        found.append("no reference solution")
    if not task.wrong:
        found.append("no wrong answer")

    for answer, what in [("", "an empty answer"), (task.wrong, f"the wrong answer {task.wrong!r}")]:
        if what.startswith("the wrong") and not answer:
            continue
        passed, reason = in_fresh_workspace(task, lambda workspace: judged(task, workspace, answer))
        if passed:
            found.append(f"check passes on the untouched workspace with {what} ({reason})")

    if task.spoil is not None:
        def spoiled(workspace):
            return judged(task, workspace, task.spoil(workspace))
        try:
            passed, reason = in_fresh_workspace(task, spoiled)
        except Exception as failure:
            passed, reason = False, None
            found.append(f"the near miss raised {failure!r}")
        if passed:
            found.append(f"check passes on the near miss ({reason})")

    if task.solve is not None:
        def solved(workspace):
            return judged(task, workspace, task.solve(workspace))
        try:
            passed, reason = in_fresh_workspace(task, solved)
        except Exception as failure:
            passed, reason = None, f"the reference solution raised {failure!r}"
        if not passed:
            found.append(f"the reference solution does not pass: {reason}")
    return found


def main():
    verbose = "-v" in sys.argv[1:]
    failures = {}
    names = [task.name for task in task_set.TASKS]
    for name in sorted({n for n in names if names.count(n) > 1}):
        failures.setdefault(name, []).append("the name is used by more than one task")
    for task in task_set.TASKS:
        found = problems_of(task)
        if found:
            failures.setdefault(task.name, []).extend(found)
        elif verbose:
            print(f"ok  {task.name:<18} {task.kind:<11} {task.half}")
    for kind in task_set.KINDS:
        halves = {task.half for task in task_set.TASKS if task.kind == kind}
        for half in task_set.HALVES:
            if half not in halves:
                failures.setdefault(f"kind {kind}", []).append(f"no task in the {half} half")

    counts = {half: sum(1 for task in task_set.TASKS if task.half == half) for half in task_set.HALVES}
    print(f"{len(task_set.TASKS)} tasks, {len({t.kind for t in task_set.TASKS})} kinds, "
          + ", ".join(f"{half} {count}" for half, count in counts.items()))
    if failures:
        for name, found in failures.items():
            for problem in found:
                print(f"FAIL {name}: {problem}")
        sys.exit(1)
    print("every check fails on the untouched workspace and on a wrong answer, and passes on the reference solution")


if __name__ == "__main__":
    main()
