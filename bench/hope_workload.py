#!/usr/bin/env python3
"""HOPE's workload: families of everyday tasks, each run as variations that differ in their
parameters (file and folder names, numbers, quoted text) and, in some families, in their wording,
in sequence on one fresh home. Every run gets a fresh workspace, is judged by a check of its end
state and/or answer (never by the run's own verdict), the verdict is fed back with
`nexus feedback`, and `nexus crystallize` runs after each run. Prints one line per run and the
totals against HOPE's targets, among them two that must stay at zero:

- wrong replays: runs that nexus recorded as FOLLOWER or CRYSTALLIZED (after any fallback to the
  model, which records the run as LEARNER) whose check fails;
- misled guidance: MIXED runs whose answer, or whose end state (the paths and contents of the files
  and folders the run made or changed), carries a value of an earlier variation of the same family
  that the current task lacks: a parameter (a file name, a word to write) or an expected answer
  (a count, a first word).

Every variation exposes its `values` (parameters and expected answer values) for the second, and
a reference solution `solve(workspace) -> answer` for bench/hope_selfcheck.py. Called by
bench/hope.sh."""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent"))
from tasks import all_of, mentions_number, read, squash, write  # the agent benchmark's file and text helpers  # noqa: E402

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
    values: dict = field(default_factory=dict)  # parameters and expected answer values, by name
    solve: Optional[Callable[[str], str]] = None  # reference solution: does the task, returns the answer


# ---------------------------------------------------------------- checks

def states_number(value):
    """The answer states `value` as a standalone number or a number word (not the 3 of box3)."""
    def check(workspace, answer):
        if mentions_number(answer, value):
            return True, f"answer states {value}"
        return False, f"answer {answer[:60]!r} does not state {value}"
    return check


def states_word(word):
    def check(workspace, answer):
        if re.search(r"(?<![A-Za-z])" + re.escape(word) + r"(?![A-Za-z])", answer, re.I):
            return True, f"answer states {word!r}"
        return False, f"answer {answer[:60]!r} does not state {word!r}"
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


# ---------------------------------------------------------------- reference solutions

def must_read(workspace, relative):
    text = read(workspace, relative)
    if text is None:
        raise FileNotFoundError(relative)
    return text


def count_files_in(workspace, folder):
    root = os.path.join(workspace, folder)
    return sum(1 for name in os.listdir(root) if os.path.isfile(os.path.join(root, name)))


def first_word_of(text):
    return text.split()[0].strip(".,;:!?'\"")


# ---------------------------------------------------------------- families
# Each family makes its variation i (0, 1, ...). The first ten families keep one wording and
# suffixed names ("notes.txt", "photos/"); the last five use bare names ("box1", "intro2", "flag"),
# names with digits, two parameters, and wordings that change across variations (some variations
# are worded exactly alike but for their parameters, others are reworded). In every family a
# variation's files differ from the others', so an earlier variation's answer is wrong for it.

def lines_text(lines):
    return "".join(line + "\n" for line in lines)


def count_lines(i):
    name, count = pick(NAMES, i) + ".txt", 3 + (i * 4) % 9
    lines = [pick(PHRASES, i, k) for k in range(count)]
    return Variation(f"How many lines does {name} have?", {name: lines_text(lines)}, states_number(count),
                     {"file": name, "count": count},
                     lambda w: f"{name} has {len(must_read(w, name).splitlines())} lines.")


def write_text(i):
    name, phrase = pick(NAMES, i) + ".txt", pick(PHRASES, i)

    def solve(workspace):
        write(workspace, name, phrase + "\n")
        return f"Wrote '{phrase}' into {name}."
    return Variation(f"Write '{phrase}' into {name}", {}, file_is(name, phrase), {"file": name, "text": phrase}, solve)


def count_files(i):
    folder, count = pick(FOLDERS, i), 2 + (i * 3) % 10
    files = {f"{folder}/{pick(WORDS, i, k)}.txt": f"{pick(PHRASES, k)}\n" for k in range(count)}
    files["readme.txt"] = "not in the folder\n"
    return Variation(f"How many files are in {folder}/?", files, states_number(count), {"folder": folder, "count": count},
                     lambda w: f"{folder}/ holds {count_files_in(w, folder)} files.")


def copy_file(i):
    source = pick(NAMES, i) + ".txt"
    target = pick(NAMES, i) + "-backup.txt"
    text = lines_text([pick(PHRASES, i), pick(PHRASES, i, 3)])

    def solve(workspace):
        write(workspace, target, must_read(workspace, source))
        return f"Copied {source} to {target}."
    return Variation(f"Copy {source} to {target}", {source: text}, file_is(target, text),
                     {"source": source, "target": target}, solve)


def first_line(i):
    name = pick(NAMES, i) + ".txt"
    lines = [pick(PHRASES, i, k) for k in range(3)]
    return Variation(f"What is the first line of {name}?", {name: lines_text(lines)}, mentions(lines[0]),
                     {"file": name, "line": lines[0]},
                     lambda w: f"The first line of {name} is '{must_read(w, name).splitlines()[0]}'.")


def replace_word(i):
    name, old, new = pick(NAMES, i) + ".txt", pick(WORDS, i), pick(WORDS, i, 1)

    def solve(workspace):
        write(workspace, name, must_read(workspace, name).replace(old, new))
        return f"Replaced '{old}' with '{new}' in {name}."
    return Variation(f"In {name}, replace '{old}' with '{new}'", {name: f"the {old} is on the table\n"},
                     file_is(name, f"the {new} is on the table\n"), {"file": name, "old": old, "new": new}, solve)


def uppercase(i):
    source, target = pick(NAMES, i) + ".txt", pick(NAMES, i) + "-loud.txt"
    phrase = pick(PHRASES, i)

    def solve(workspace):
        write(workspace, target, must_read(workspace, source).upper())
        return f"Wrote the text of {source} in uppercase into {target}."
    return Variation(f"Put the text of {source} in uppercase into {target}", {source: phrase},
                     file_is(target, phrase.upper()), {"source": source, "target": target, "text": phrase.upper()}, solve)


def make_folder(i):
    folder = pick(FOLDERS, i)

    def solve(workspace):
        os.makedirs(os.path.join(workspace, folder))
        return f"Created the folder {folder}/."
    return Variation(f"Create a folder called {folder}/", {}, folder_exists(folder), {"folder": folder}, solve)


def rename(i):
    source, target = pick(NAMES, i) + ".txt", pick(NAMES, i) + "-final.txt"
    text = lines_text([pick(PHRASES, i)])

    def solve(workspace):
        must_read(workspace, source)
        os.rename(os.path.join(workspace, source), os.path.join(workspace, target))
        return f"Renamed {source} to {target}."
    return Variation(f"Rename {source} to {target}", {source: text}, file_is(target, text, gone=source),
                     {"source": source, "target": target}, solve)


def append_line(i):
    name = pick(NAMES, i) + ".txt"
    before, phrase = [pick(PHRASES, i, 1), pick(PHRASES, i, 2)], pick(PHRASES, i)

    def solve(workspace):
        write(workspace, name, must_read(workspace, name) + phrase + "\n")
        return f"Appended '{phrase}' to {name}."
    return Variation(f"Append the line '{phrase}' to {name}", {name: lines_text(before)},
                     file_is(name, lines_text(before + [phrase])), {"file": name, "line": phrase}, solve)


# The bare-name families. Ten distinct variations each; beyond ten they repeat.

BOX_FOLDERS = ["box1", "box2", "box3", "crates", "box5", "invoices7", "box8", "shelf4", "box9", "tray6"]
BOX_COUNTS = [3, 5, 2, 6, 4, 8, 7, 9, 11, 10]   # no count is a digit of its own folder's name
BOX_ITEMS = [("scan", ".pdf"), ("note", ".txt"), ("photo", ".jpg"), ("receipt", ".pdf")]
BOX_WORDINGS = ["List the files in the folder {f} and tell me how many there are.",
                "List the files in the folder {f} and tell me how many there are.",
                "How many files are in {f}?",
                "Count the files in the folder {f}.",
                "{f}: how many files does it hold?",
                "List the files in the folder {f} and tell me how many there are.",
                "How many files are in {f}?",
                "Count the files in the folder {f}.",
                "List the files in the folder {f} and tell me how many there are.",
                "{f}: how many files does it hold?"]


def box_count(i):
    """Count a bare-named folder's files. Every other variation also holds a decoy: a folder named
    like the previous variation's, with one file, so that following the earlier run's steps with
    its folder name finds a folder and a count, and the wrong one."""
    folder, count = pick(BOX_FOLDERS, i), pick(BOX_COUNTS, i)
    files = {f"{folder}/{BOX_ITEMS[k % 4][0]}{k + 1}{BOX_ITEMS[k % 4][1]}": f"{folder}, item {k + 1}\n"
             for k in range(count)}
    files["readme.txt"] = "the folders hold scanned paperwork\n"
    if i % 2 == 1:
        files[f"{pick(BOX_FOLDERS, i - 1)}/stray.txt"] = "left over\n"
    return Variation(pick(BOX_WORDINGS, i).format(f=folder), files, states_number(count),
                     {"folder": folder, "count": count},
                     lambda w: f"{folder} holds {count_files_in(w, folder)} files.")


WORD_FILES = ["intro2", "letter", "draft9", "memo", "preface", "card12", "ballad", "notes3", "log5", "essay"]
FIRST_WORDS = ["Quartz", "Harbor", "Velvet", "Juniper", "Cobalt", "Saffron", "Glacier", "Tundra", "Amber", "Falcon"]
DECOY_WORDS = ["Pebble", "Lagoon", "Thistle", "Marble", "Willow", "Ember", "Canyon", "Orchid", "Breeze", "Sparrow"]
WORD_WORDINGS = ["What is the first word of {f}?",
                 "What is the first word of {f}?",
                 "What is the first word of {f}?",
                 "{f} starts with which word?",
                 "Tell me the first word in the file {f}.",
                 "What is the first word of {f}?",
                 "first word of {f}?",
                 "{f} starts with which word?",
                 "What is the first word of {f}?",
                 "Tell me the first word in the file {f}."]


def first_word(i):
    """Say the first word of a file with a bare name. Every other variation also holds a file named
    like the previous variation's, starting with another word."""
    name, word = pick(WORD_FILES, i), pick(FIRST_WORDS, i)
    files = {name: f"{word} {pick(PHRASES, i)}\n{pick(PHRASES, i, 5)}\n"}
    if i % 2 == 1:
        files[pick(WORD_FILES, i - 1)] = f"{pick(DECOY_WORDS, i)} {pick(PHRASES, i, 2)}\n"
    return Variation(pick(WORD_WORDINGS, i).format(f=name), files, states_word(word), {"file": name, "word": word},
                     lambda w: f"The first word of {name} is {first_word_of(must_read(w, name))}.")


WRITES = [("delta", "flag"), ("foxtrot", "result"), ("kilo", "memo4"), ("lima", "note7"), ("sierra", "outbox"),
          ("tango", "answer2"), ("zulu", "ticket5"), ("oscar", "stamp3"), ("victor", "badge"), ("hotel", "mark8")]
WRITE_WORDINGS = ["Write the word {w} into a new file called {f}.",
                  "Write the word {w} into a new file called {f}.",
                  "Put {w} in a file named {f}.",
                  "Write the word {w} into a new file called {f}.",
                  "Create a file {f} containing just the word {w}.",
                  "new file {f}, content: {w}",
                  "Write the word {w} into a new file called {f}.",
                  "Put {w} in a file named {f}.",
                  "Create a file {f} containing just the word {w}.",
                  "Write the word {w} into a new file called {f}."]


def write_word(i):
    """Two parameters: a word and the bare name of the new file that holds it."""
    word, name = pick(WRITES, i)

    def solve(workspace):
        write(workspace, name, word + "\n")
        return f"Wrote {word} into {name}."
    return Variation(pick(WRITE_WORDINGS, i).format(w=word, f=name), {}, file_is(name, word),
                     {"word": word, "file": name}, solve)


COPIES = [("ledger", "ledger_old"), ("recipes", "backup1"), ("plan7", "plan7_copy"), ("agenda", "agenda2"),
          ("roster", "roster_bak"), ("quotes", "quotes9"), ("inventory", "stock3"), ("wishlist", "gifts"),
          ("manual3", "manual_copy"), ("contacts", "phonebook")]
COPY_TOKENS = ["cardamom", "paprika", "nutmeg", "sumac", "fennel", "anise", "clove", "ginger", "thyme", "oregano"]
COPY_WORDINGS = ["Copy {x} to {y}.",
                 "Copy {x} to {y}.",
                 "Make a copy of {x} called {y}.",
                 "Copy {x} to {y}.",
                 "{y} should be a copy of {x}, please make it.",
                 "duplicate {x} as {y}",
                 "Copy {x} to {y}.",
                 "Make a copy of {x} called {y}.",
                 "{y} should be a copy of {x}, please make it.",
                 "duplicate {x} as {y}"]


def copy_bare(i):
    """Two bare names: copy X to Y; X stays as it was."""
    source, target = pick(COPIES, i)
    token = pick(COPY_TOKENS, i)
    text = lines_text([f"{token} {pick(PHRASES, i)}", pick(PHRASES, i, 4)])

    def solve(workspace):
        write(workspace, target, must_read(workspace, source))
        return f"Copied {source} to {target}."
    check = all_of(file_is(target, text), file_is(source, text))
    return Variation(pick(COPY_WORDINGS, i).format(x=source, y=target), {source: text}, check,
                     {"source": source, "target": target, "token": token}, solve)


RENAMES = [("draft9", "final9"), ("scratch", "keepers"), ("todo3", "done3"), ("outline", "chapter1"),
           ("sketch", "design"), ("temp", "notes8"), ("report5", "report6"), ("inbox4", "archive4"),
           ("plan", "plan_b"), ("old_list", "new_list")]
RENAME_TOKENS = ["walnut", "hazel", "cedar", "birch", "aspen", "rowan", "alder", "larch", "spruce", "poplar"]
RENAME_WORDINGS = ["Rename {x} to {y}.",
                   "Rename {x} to {y}.",
                   "rename the file {x} so it is called {y}",
                   "Rename {x} to {y}.",
                   "{x} -> {y}, rename please",
                   "Change the name of {x} to {y}.",
                   "Rename {x} to {y}.",
                   "rename the file {x} so it is called {y}",
                   "{x} -> {y}, rename please",
                   "Change the name of {x} to {y}."]


def rename_bare(i):
    """Two bare names: rename X to Y; X must be gone."""
    source, target = pick(RENAMES, i)
    token = pick(RENAME_TOKENS, i)
    text = lines_text([f"{token} {pick(PHRASES, i, 2)}"])

    def solve(workspace):
        must_read(workspace, source)
        os.rename(os.path.join(workspace, source), os.path.join(workspace, target))
        return f"Renamed {source} to {target}."
    return Variation(pick(RENAME_WORDINGS, i).format(x=source, y=target), {source: text},
                     file_is(target, text, gone=source), {"source": source, "target": target, "token": token}, solve)


FAMILIES = [("count_lines", count_lines), ("write_text", write_text), ("copy_file", copy_file), ("rename", rename),
            ("append_line", append_line), ("make_folder", make_folder), ("replace_word", replace_word),
            ("first_line", first_line), ("count_files", count_files), ("uppercase", uppercase),
            ("box_count", box_count), ("first_word", first_word), ("write_word", write_word),
            ("copy_bare", copy_bare), ("rename_bare", rename_bare)]


# ---------------------------------------------------------------- earlier values

def carries(text, value):
    """True if `text` states `value`: a number standalone or (from two up) as a word, a name or word
    not as part of a longer one ("box1" is not in "box10", "plan" is not in "plan_b")."""
    if isinstance(value, int):
        if re.search(rf"(?<![\w.]){value}(?![\w]|\.\d)", text):
            return True
        return 2 <= value < len(NUMBER_WORDS) and re.search(rf"\b{NUMBER_WORDS[value]}\b", text, re.I) is not None
    return re.search(r"(?<![\w])" + re.escape(squash(str(value))) + r"(?![\w])", squash(text), re.I) is not None


def old_values(variation, earlier):
    """[(name, value, variation number)] of the earlier variations' values that this task lacks: not
    one of its own values, and not stated by its task text."""
    own = list(variation.values.values())
    text = variation.task + "\n" + "\n".join(str(value) for value in own)
    found, seen = [], set()
    for number, old in enumerate(earlier, 1):
        for name, value in old.values.items():
            if value in own or carries(text, value) or (name, value) in seen:
                continue
            seen.add((name, value))
            found.append((name, value, number))
    return found


def written(workspace, files):
    """[(where, text)] for what a run made or changed against the set-up `files`: every file new or
    changed (its path and content), every new folder (its path)."""
    folders = {relative.rstrip("/") for relative in files if relative.endswith("/")}
    for relative in files:
        parts = relative.rstrip("/").split("/")[:-1]
        folders.update("/".join(parts[:k]) for k in range(1, len(parts) + 1))
    pieces = []
    for current, dirs, names in os.walk(workspace):
        dirs.sort()
        for name in dirs:
            relative = os.path.relpath(os.path.join(current, name), workspace)
            if relative not in folders:
                pieces.append((relative + "/", relative))
        for name in sorted(names):
            relative = os.path.relpath(os.path.join(current, name), workspace)
            text = read(workspace, relative) or ""
            if files.get(relative) != text:
                pieces.append((relative, relative + "\n" + text))
    return pieces


def stale(variation, earlier, workspace, answer):
    """The earlier variations' values this run carries: [{"value", "name", "variation", "where"}],
    where is "answer" or the path of a file or folder the run made or changed."""
    olds = old_values(variation, earlier)
    places = [("answer", answer or "")] + written(workspace, variation.files)
    return [{"value": value, "name": name, "variation": number, "where": where}
            for name, value, number in olds for where, text in places if carries(text, value)]


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
    """Runs every variation of every chosen family in sequence; yields each run's record."""
    for family, make in args.chosen:
        earlier = []
        for index in range(args.variations):
            variation = make(index)
            name = f"{family}-{index + 1:02d}"
            workspace = os.path.join(args.results, side, "workspaces", name)
            prepare(workspace, variation.files)
            os.makedirs(os.path.join(args.results, side, "logs"), exist_ok=True)
            result = run_task(args, home, variation, workspace, os.path.join(args.results, side, "logs", name), no_hope)
            judge(variation, workspace, result)
            result.update(family=family, variation=index + 1, task=variation.task, side=side, values=variation.values)
            result["stale"] = stale(variation, earlier, workspace, result["answer"])
            result["wrong_replay"] = result["mode"] in REPLAYS and not result["passed"]
            result["misled"] = result["mode"] == "mixed" and bool(result["stale"])
            earlier.append(variation)
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


REPLAYS = ("follower", "crystallized")


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

    replays = [r for r in runs if r["mode"] in REPLAYS]
    wrong = [r for r in replays if r["wrong_replay"]]
    mixed = [r for r in runs if r["mode"] == "mixed"]
    misled = [r for r in mixed if r["misled"]]
    print(f"wrong replays: {len(wrong)} of {len(replays)} follower and crystallized runs failed their check; "
          f"misled guidance: {len(misled)} of {len(mixed)} mixed runs carried an earlier variation's value")

    crystallizing = sum(r.get("crystallize_tokens", 0) for r in runs)
    total = sum(map(tokens, runs)) + crystallizing
    if baseline is not None:
        learner_only, how = sum(map(tokens, baseline)), "measured: the same workload with --no-hope on a second fresh home"
        print(f"LEARNER-only pass: {sum(r['passed'] for r in baseline)}/{len(baseline)} passed")
    else:
        every_learner = [tokens(r) for r in first]
        fallback = statistics.mean(every_learner) if every_learner else 0
        learner_only = 0
        for family, _ in args.chosen:
            own = [tokens(r) for r in runs if r["family"] == family and r["mode"] == "learner"]
            learner_only += (statistics.mean(own) if own else fallback) * args.variations
        how = "estimate: each family's average learner run × its variations"
    saved = 1 - total / learner_only if learner_only else None
    print(f"model tokens: {total} over the workload ({crystallizing} of them generalizing steps while crystallizing); LEARNER-only {learner_only:.0f} ({how}); "
          f"{'n/a' if saved is None else f'{saved:.1%}'} fewer")

    speedups, zero_tokens = [], True
    for family, _ in args.chosen:
        learner = [r["wall"] for r in runs if r["family"] == family and r["mode"] == "learner"]
        crystal = [r for r in runs if r["family"] == family and r["mode"] == "crystallized"]
        zero_tokens = zero_tokens and all(tokens(r) == 0 for r in crystal)
        if learner and crystal:
            speedups.append((median(learner) / median([r["wall"] for r in crystal]), family))
    if speedups:
        low = min(speedups)
        print(f"speedup, median learner wall / median crystallized wall of a family: min {low[0]:.0f}× ({low[1]}), "
              f"median {median([s for s, _ in speedups]):.0f}× over {len(speedups)} of {len(args.chosen)} families")
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
    print(f"  wrong replays (follower or crystallized runs whose check fails) = 0: {verdict(not wrong)} ({len(wrong)})")
    for r in wrong:
        print(f"    {r['family']} {r['variation']} {r['mode']} {r['id'] or '-'}: {r['check']}")
    print(f"  misled guidance (mixed runs carrying an earlier variation's value) = 0: {verdict(not misled)} ({len(misled)})")
    for r in misled:
        print(f"    {r['family']} {r['variation']} {r['id'] or '-'}: {stale_note(r['stale'])}")


def stale_note(hits):
    """"box1 (variation 1's folder) in answer; delta (variation 1's word) in flag"."""
    return "; ".join(f"{h['value']} (variation {h['variation']}'s {h['name']}) in {h['where']}" for h in hits)


def fell_back(r):
    return "the model took over" in (r.get("reason") or "")


def line(r):
    mark = "✓" if r["passed"] else "✗"
    note = ("" if r["passed"] else f"  {r['check']}") + ("  (a replay fell back to the model)" if fell_back(r) else "")
    if r["wrong_replay"]:
        note += "  WRONG REPLAY"
    if r["stale"] and r["mode"] != "learner":
        note += f"  {'MISLED: ' if r['misled'] else ''}earlier values: {stale_note(r['stale'])}"
    made = "".join(f"\n    {text}" for text in r["crystallized"])
    return (f"{r['family']:<13}{r['variation']:>3}  {r['mode']:<13}{r['tokens_in'] + r['tokens_out']:>7}"
            f"{r['wall']:>10.3f}  {r['id'] or '-':<17} {mark}{note}{made}")


def chosen_families(only, first):
    """The families named in `only` (comma-separated; all when empty), in workload order, then the
    first `first` of them (all when None). Exits on an unknown name or a count out of range."""
    known = dict(FAMILIES)
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        sys.exit(f"bench: no family {', '.join(unknown)}; the families: {', '.join(known)}")
    chosen = [(name, make) for name, make in FAMILIES if not wanted or name in wanted]
    if first is not None:
        if not 1 <= first <= len(chosen):
            sys.exit(f"bench: -f takes 1 to {len(chosen)} families, not {first}")
        chosen = chosen[:first]
    return chosen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nexus", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--families", type=int, default=None, help="the first N of the chosen families (default all)")
    parser.add_argument("--only", default="", help="comma-separated family names to run (default all)")
    parser.add_argument("--variations", type=int, default=10)
    parser.add_argument("--results", required=True)
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--max-steps", type=int, default=8)
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed for one run")
    args = parser.parse_args()
    args.chosen = chosen_families(args.only, args.families)

    print(f"{len(args.chosen)} families ({', '.join(f for f, _ in args.chosen)}) × {args.variations} variations, model {args.model}, max {args.max_steps} steps, "
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
