#!/usr/bin/env python3
"""HOPE's workload: families of everyday tasks, each run as variations that differ only in their
parameters (file names, numbers, quoted text), in sequence on one fresh home. Every run gets a fresh
workspace, is judged by a check of its end state and/or answer (never by the run's own verdict),
the verdict is fed back with `nexus feedback`, and `nexus crystallize` runs after each run. Prints
one line per run and the totals against HOPE's targets. Called by bench/hope.sh."""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent"))
from tasks import read, squash  # the agent benchmark's file and text helpers  # noqa: E402

NAMES = ["notes", "todo", "ideas", "journal", "recipes", "contacts", "budget", "plans", "books", "songs",
         "letters", "chores"]
FOLDERS = ["photos", "invoices", "drafts", "music", "reports", "scans", "postcards", "backups", "videos",
           "archive", "slides", "receipts"]
WORDS = ["mango", "river", "candle", "falcon", "pepper", "violet", "harbor", "copper", "meadow", "lantern",
         "orbit", "maple"]
PHRASES = ["buy fresh milk", "call the bank", "water the plants", "book a table", "pay the rent", "walk the dog",
           "send the invoice", "fix the bike", "read a chapter", "clean the kitchen", "plan the trip",
           "answer the mail"]
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve"]


def pick(pool, index, shift=0):
    return pool[(index + shift) % len(pool)]


@dataclass(frozen=True)
class Variation:
    task: str
    files: dict  # relative path -> text; a path ending in "/" is an empty folder
    check: Callable[[str, str], tuple]  # (workspace, answer) -> (passed, reason)


# ---------------------------------------------------------------- checks

def states_number(value):
    def check(workspace, answer):
        if re.search(rf"(?<![\d.]){value}(?![\d]|\.\d)", answer) or \
                (value < len(NUMBER_WORDS) and re.search(rf"\b{NUMBER_WORDS[value]}\b", answer, re.I)):
            return True, f"answer states {value}"
        return False, f"answer {answer[:60]!r} does not state {value}"
    return check


def mentions(text):
    def check(workspace, answer):
        if squash(text).lower() in squash(answer).lower():
            return True, f"answer mentions {text!r}"
        return False, f"answer {answer[:60]!r} does not mention {text!r}"
    return check


def file_is(relative, expected, gone=None):
    def check(workspace, answer):
        text = read(workspace, relative)
        if text is None:
            return False, f"{relative} does not exist"
        if squash(text) != squash(expected):
            return False, f"{relative} holds {text[:60]!r}, not {expected[:60]!r}"
        if gone and os.path.exists(os.path.join(workspace, gone)):
            return False, f"{gone} is still there"
        return True, f"{relative} is right"
    return check


def folder_exists(relative):
    def check(workspace, answer):
        if os.path.isdir(os.path.join(workspace, relative)):
            return True, f"{relative} exists"
        return False, f"{relative} was not created"
    return check


# ---------------------------------------------------------------- families

def lines_text(lines):
    return "".join(line + "\n" for line in lines)


def count_lines(i):
    name, count = pick(NAMES, i) + ".txt", 3 + (i * 4) % 9
    lines = [pick(PHRASES, i, k) for k in range(count)]
    return Variation(f"How many lines does {name} have?", {name: lines_text(lines)}, states_number(count))


def write_text(i):
    name, phrase = pick(NAMES, i) + ".txt", pick(PHRASES, i)
    return Variation(f"Write '{phrase}' into {name}", {}, file_is(name, phrase))


def count_files(i):
    folder, count = pick(FOLDERS, i), 2 + (i * 3) % 10
    files = {f"{folder}/{pick(WORDS, i, k)}.txt": f"{pick(PHRASES, k)}\n" for k in range(count)}
    files["readme.txt"] = "not in the folder\n"
    return Variation(f"How many files are in {folder}/?", files, states_number(count))


def copy_file(i):
    source = pick(NAMES, i) + ".txt"
    target = pick(NAMES, i) + "-backup.txt"
    text = lines_text([pick(PHRASES, i), pick(PHRASES, i, 3)])
    return Variation(f"Copy {source} to {target}", {source: text}, file_is(target, text))


def first_line(i):
    name = pick(NAMES, i) + ".txt"
    lines = [pick(PHRASES, i, k) for k in range(3)]
    return Variation(f"What is the first line of {name}?", {name: lines_text(lines)}, mentions(lines[0]))


def replace_word(i):
    name, old, new = pick(NAMES, i) + ".txt", pick(WORDS, i), pick(WORDS, i, 1)
    return Variation(f"In {name}, replace '{old}' with '{new}'", {name: f"the {old} is on the table\n"},
                     file_is(name, f"the {new} is on the table\n"))


def uppercase(i):
    source, target = pick(NAMES, i) + ".txt", pick(NAMES, i) + "-loud.txt"
    phrase = pick(PHRASES, i)
    return Variation(f"Put the text of {source} in uppercase into {target}", {source: phrase},
                     file_is(target, phrase.upper()))


def make_folder(i):
    folder = pick(FOLDERS, i)
    return Variation(f"Create a folder called {folder}/", {}, folder_exists(folder))


def rename(i):
    source, target = pick(NAMES, i) + ".txt", pick(NAMES, i) + "-final.txt"
    text = lines_text([pick(PHRASES, i)])
    return Variation(f"Rename {source} to {target}", {source: text}, file_is(target, text, gone=source))


def append_line(i):
    name = pick(NAMES, i) + ".txt"
    before, phrase = [pick(PHRASES, i, 1), pick(PHRASES, i, 2)], pick(PHRASES, i)
    return Variation(f"Append the line '{phrase}' to {name}", {name: lines_text(before)},
                     file_is(name, lines_text(before + [phrase])))


FAMILIES = [("count_lines", count_lines), ("write_text", write_text), ("copy_file", copy_file), ("rename", rename),
            ("append_line", append_line), ("make_folder", make_folder), ("replace_word", replace_word),
            ("first_line", first_line), ("count_files", count_files), ("uppercase", uppercase)]


# ---------------------------------------------------------------- running

def make_home(folder, model, model_path):
    """A fresh NEXUS_HOME that registers only the model (its manifest, not a copy of the file)."""
    os.makedirs(os.path.join(folder, "models", "manifests"))
    with open(os.path.join(folder, "models", "manifests", "model.json"), "w") as handle:
        json.dump({"name": model, "path": model_path, "size": os.path.getsize(model_path)}, handle)
    return folder


def prepare(workspace, files):
    os.makedirs(workspace)
    for relative, text in files.items():
        path = os.path.join(workspace, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not relative.endswith("/"):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)


def nexus(args, home, *arguments):
    return subprocess.run([args.nexus, *arguments], env=dict(os.environ, NEXUS_HOME=home), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)


def crystallize(args, home):
    """`nexus crystallize` over every candidate: a line per outcome, and the model tokens it spent
    generalizing steps the recorded runs disagree on (they count in the workload's total)."""
    done = nexus(args, home, "crystallize", "--json", "--model", args.model)
    try:
        outcomes = json.loads(done.stdout or "[]")
    except ValueError:
        return [f"not crystallized: {done.stderr.strip() or 'no output'}"], 0
    lines = [f"trace {o['trace']} → {o['module']} (validated on {o['tested_runs']} recorded runs)" if "module" in o
             else f"not crystallized: {o['error']}" for o in outcomes]
    return lines, sum(int(o.get("model_tokens", 0)) for o in outcomes)


def run_task(args, home, variation, workspace, log, no_hope=False):
    """One `nexus run --json`, bounded by timeout(1); wall time measured around the whole process."""
    command = ["timeout", "-k", "10", str(args.timeout), args.nexus, "run", "--json", "--model", args.model,
               "--max-steps", str(args.max_steps), "--workspace", workspace] + (["--no-hope"] if no_hope else [])
    started = time.monotonic()
    done = subprocess.run(command + [variation.task], env=dict(os.environ, NEXUS_HOME=home), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    wall = time.monotonic() - started
    with open(log + ".json", "w") as handle:
        handle.write(done.stdout)
    with open(log + ".stderr", "w") as handle:
        handle.write(done.stderr)
    try:
        summary = json.loads(done.stdout[done.stdout.index("{"):])
    except ValueError:
        status = "timeout" if done.returncode in (124, 137) else "no summary"
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"id": None, "mode": "?", "status": status, "outcome": None, "answer": "", "tokens_in": 0,
                "tokens_out": 0, "seconds": None, "wall": wall, "exit": done.returncode, "error": last[:200]}
    tokens = summary.get("tokens") or {}
    return {"id": summary.get("id"), "mode": summary.get("mode", "?"), "status": summary.get("status"),
            "outcome": summary.get("outcome"), "answer": summary.get("answer") or "",
            "tokens_in": tokens.get("in", 0), "tokens_out": tokens.get("out", 0), "seconds": summary.get("seconds"),
            "wall": wall, "exit": done.returncode, "reason": summary.get("reason"), "error": None}


def judge(variation, workspace, result):
    answer = result["answer"] if result["status"] == "completed" else ""
    try:
        passed, reason = variation.check(workspace, answer)
    except Exception as failure:  # a check that crashes is a bug in the family, counted as a failure
        passed, reason = False, f"check raised {failure!r}"
    if result["error"]:
        reason = f"{result['status']}: {result['error']}"
    result["passed"], result["check"] = bool(passed), reason


def workload(args, home, side, no_hope, sink):
    """Runs every variation of every family in sequence; yields each run's record."""
    for family, make in FAMILIES[:args.families]:
        for index in range(args.variations):
            variation = make(index)
            name = f"{family}-{index + 1:02d}"
            workspace = os.path.join(args.results, side, "workspaces", name)
            prepare(workspace, variation.files)
            os.makedirs(os.path.join(args.results, side, "logs"), exist_ok=True)
            result = run_task(args, home, variation, workspace, os.path.join(args.results, side, "logs", name), no_hope)
            judge(variation, workspace, result)
            result.update(family=family, variation=index + 1, task=variation.task, side=side)
            if result["id"]:
                nexus(args, home, "feedback", result["id"], "good" if result["passed"] else "bad")
            made, spent = [], 0
            if not no_hope:
                made, spent = crystallize(args, home)
            result["crystallized"] = made
            result["crystallize_tokens"] = spent
            sink.write(json.dumps(result) + "\n")
            sink.flush()
            yield result


def median(values):
    return statistics.median(values) if values else None


def rate(runs):
    return sum(r["passed"] for r in runs) / len(runs) if runs else None


def percent(value):
    return "n/a" if value is None else f"{value:.0%}"


def report(args, runs, baseline):
    tokens = lambda r: r["tokens_in"] + r["tokens_out"]  # noqa: E731
    modes = {}
    for r in runs:
        modes[r["mode"]] = modes.get(r["mode"], 0) + 1
    order = ["learner", "mixed", "follower", "crystallized"]
    print("modes: " + ", ".join(f"{mode} {modes[mode]}" for mode in sorted(modes, key=lambda m: (m not in order, order.index(m) if m in order else 0, m))))

    first = [r for r in runs if r["mode"] == "learner"]
    fallbacks = sum(fell_back(r) for r in first)
    if fallbacks:
        print(f"  ({fallbacks} of the learner runs began as a replay whose step failed, then the model took over)")
    repeats = [r for r in runs if r["mode"] in ("mixed", "follower", "crystallized")]
    print(f"success: first runs (learner) {sum(r['passed'] for r in first)}/{len(first)} = {percent(rate(first))}; "
          f"repeats (mixed, follower, crystallized) {sum(r['passed'] for r in repeats)}/{len(repeats)} = {percent(rate(repeats))}")
    for mode in order[1:]:
        these = [r for r in runs if r["mode"] == mode]
        if these:
            print(f"  {mode:<13} {sum(r['passed'] for r in these)}/{len(these)} passed, median wall "
                  f"{median([r['wall'] for r in these]):.3f} s, {sum(map(tokens, these))} model tokens")

    crystallizing = sum(r.get("crystallize_tokens", 0) for r in runs)
    total = sum(map(tokens, runs)) + crystallizing
    if baseline is not None:
        learner_only, how = sum(map(tokens, baseline)), "measured: the same workload with --no-hope on a second fresh home"
        print(f"LEARNER-only pass: {sum(r['passed'] for r in baseline)}/{len(baseline)} passed")
    else:
        every_learner = [tokens(r) for r in first]
        fallback = statistics.mean(every_learner) if every_learner else 0
        learner_only = 0
        for family, _ in FAMILIES[:args.families]:
            own = [tokens(r) for r in runs if r["family"] == family and r["mode"] == "learner"]
            learner_only += (statistics.mean(own) if own else fallback) * args.variations
        how = "estimate: each family's average learner run × its variations"
    saved = 1 - total / learner_only if learner_only else None
    print(f"model tokens: {total} over the workload ({crystallizing} of them generalizing steps while crystallizing); LEARNER-only {learner_only:.0f} ({how}); "
          f"{'n/a' if saved is None else f'{saved:.1%}'} fewer")

    speedups, zero_tokens = [], True
    for family, _ in FAMILIES[:args.families]:
        learner = [r["wall"] for r in runs if r["family"] == family and r["mode"] == "learner"]
        crystal = [r for r in runs if r["family"] == family and r["mode"] == "crystallized"]
        zero_tokens = zero_tokens and all(tokens(r) == 0 for r in crystal)
        if learner and crystal:
            speedups.append((median(learner) / median([r["wall"] for r in crystal]), family))
    if speedups:
        low = min(speedups)
        print(f"speedup, median learner wall / median crystallized wall of a family: min {low[0]:.0f}× ({low[1]}), "
              f"median {median([s for s, _ in speedups]):.0f}× over {len(speedups)} of {args.families} families")
    else:
        print("speedup: no family has both a learner and a crystallized run")

    def verdict(met):
        return "met" if met else "missed"
    print("targets:")
    crystallized = [r for r in runs if r["mode"] == "crystallized"]
    print(f"  crystallized repeat ≥ 100× faster than its LEARNER run, 0 model tokens: "
          f"{verdict(bool(speedups) and min(speedups)[0] >= 100 and zero_tokens)}"
          f" (min {min(speedups)[0] if speedups else 0:.0f}×; {len(crystallized)} crystallized runs, "
          f"{sum(map(tokens, crystallized))} model tokens)")
    print(f"  success rate of repeats ≥ first runs: "
          f"{verdict(rate(repeats) is not None and rate(first) is not None and rate(repeats) >= rate(first))}"
          f" ({percent(rate(repeats))} vs {percent(rate(first))})")
    print(f"  model tokens down ≥ 80 % against LEARNER-only{' (estimate)' if baseline is None else ''}: "
          f"{verdict(saved is not None and saved >= 0.8)} ({'n/a' if saved is None else f'{saved:.1%}'})")


def fell_back(r):
    return "the model took over" in (r.get("reason") or "")


def line(r):
    mark = "✓" if r["passed"] else "✗"
    note = ("" if r["passed"] else f"  {r['check']}") + ("  (a replay fell back to the model)" if fell_back(r) else "")
    made = "".join(f"\n    {text}" for text in r["crystallized"])
    return (f"{r['family']:<13}{r['variation']:>3}  {r['mode']:<13}{r['tokens_in'] + r['tokens_out']:>7}"
            f"{r['wall']:>10.3f}  {r['id'] or '-':<17} {mark}{note}{made}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nexus", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--families", type=int, default=10)
    parser.add_argument("--variations", type=int, default=10)
    parser.add_argument("--results", required=True)
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--max-steps", type=int, default=8)
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed for one run")
    args = parser.parse_args()
    if not 1 <= args.families <= len(FAMILIES):
        sys.exit(f"bench: -f takes 1 to {len(FAMILIES)} families, not {args.families}")

    print(f"{args.families} families × {args.variations} variations, model {args.model}, max {args.max_steps} steps, "
          f"each run judged by its workspace and answer; results in {args.results}\n")
    header = f"{'family':<13}{'var':>3}  {'mode':<13}{'tokens':>7}{'wall s':>10}  {'run':<17} check"
    sides = [("hope", False)] + ([("baseline", True)] if args.baseline else [])
    records = {}
    with open(os.path.join(args.results, "runs.jsonl"), "w") as sink:
        for side, no_hope in sides:
            home = make_home(os.path.join(args.results, side, "home"), args.model, args.model_path)
            print(f"== {'HOPE' if not no_hope else 'LEARNER-only baseline (--no-hope)'} (NEXUS_HOME {home})")
            print(header)
            records[side] = []
            for result in workload(args, home, side, no_hope, sink):
                records[side].append(result)
                print(line(result), flush=True)
            print()
    report(args, records["hope"], records.get("baseline"))
    print(f"\nevery run: {os.path.join(args.results, 'runs.jsonl')}")


if __name__ == "__main__":
    main()
