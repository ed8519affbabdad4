"""The agent benchmark's task set: everyday jobs a user would type, each with a setup (files put in
a fresh, empty workspace) and a check that judges only the end state of the workspace and/or the
final answer text, never which tools were used or how.

A check returns (passed, reason). Checks are tolerant of form (whitespace, numbers written as
digits or words, a leading "docs/" on listed names) but not of substance.
"""

import os
import re
import subprocess
from dataclasses import dataclass
from typing import Callable

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                "nineteen", "twenty"]


@dataclass(frozen=True)
class Task:
    name: str
    prompt: str
    setup: Callable[[str], None]
    check: Callable[[str, str], tuple]


# ---------------------------------------------------------------- helpers

def write(workspace, relative, text):
    path = os.path.join(workspace, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def read(workspace, relative):
    path = os.path.join(workspace, relative)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def squash(text):
    """Whitespace-insensitive form: runs of whitespace become one space, ends trimmed."""
    return " ".join(text.split())


def lines_of(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def mentions_number(answer, value):
    """True if the answer states `value` as a standalone number (81, 81.0) or, up to twenty, as a word."""
    pattern = r"(?<![\d.])" + re.escape(str(value)) + r"(?:\.0+)?(?!\d|\.\d)"
    if re.search(pattern, answer):
        return True
    if isinstance(value, int) and 0 <= value < len(NUMBER_WORDS):
        return re.search(r"\b" + NUMBER_WORDS[value] + r"\b", answer, re.IGNORECASE) is not None
    return False


def answer_number(value):
    def check(workspace, answer):
        if mentions_number(answer, value):
            return True, f"answer states {value}"
        return False, f"answer does not state {value}"
    return check


def file_equals(relative, expected):
    def check(workspace, answer):
        text = read(workspace, relative)
        if text is None:
            return False, f"{relative} does not exist"
        if squash(text) == squash(expected):
            return True, f"{relative} has the expected content"
        return False, f"{relative} differs: {text[:80]!r}"
    return check


# ---------------------------------------------------------------- the tasks

def setup_count_files(workspace):
    for name in ["beach.jpg", "mountain.jpg", "city.png", "forest.jpg", "river.png", "sunset.jpg", "garden.png"]:
        write(workspace, f"photos/{name}", "not really an image\n")


DOCS = ["intro.md", "setup.md", "usage.md", "faq.md", "changelog.md"]


def setup_listing(workspace):
    for name in DOCS:
        write(workspace, f"docs/{name}", f"# {name[:-3].title()}\n\nSome text.\n")


def check_listing(workspace, answer):
    text = read(workspace, "listing.txt")
    if text is None:
        return False, "listing.txt does not exist"
    listed = set()
    for line in lines_of(text):
        line = re.sub(r"^(?:[-*•]|\d+[.)])\s*", "", line)          # list markers
        line = re.sub(r"^(?:\./)?docs/", "", line).strip("`'\" ")   # a leading docs/ path
        listed.add(line)
    missing = [name for name in DOCS if name not in listed]
    if missing:
        return False, f"listing.txt lacks a line for {', '.join(missing)}"
    return True, "listing.txt names every file on its own line"


def setup_config(workspace):
    write(workspace, "config.ini",
          "[server]\nhost = 0.0.0.0\nport = 8473\nworkers = 4\n\n[database]\nname = inventory\nuser = app\n")


NOTE = "Meeting moved to Thursday at 10am"


REPORT = "Quarterly report\n\nSales went up in the north region.\nCosts stayed flat.\nNext review: end of June.\n"


def setup_copy(workspace):
    write(workspace, "report.txt", REPORT)


def check_copy(workspace, answer):
    ok, reason = file_equals("report_backup.txt", REPORT)(workspace, answer)
    if not ok:
        return ok, reason
    original = read(workspace, "report.txt")
    if original is None or squash(original) != squash(REPORT):
        return False, "report.txt was changed or removed"
    return True, "report_backup.txt is a copy of report.txt"


def setup_fix(workspace):
    write(workspace, "poem.txt", "Roses are red,\nteh sky is blue,\nI wrote teh poem\njust for you.\n")


TODO = ["buy bread", "call the plumber", "water the plants", "pay the electricity bill", "book a dentist visit",
        "return library books", "clean the garage", "send the birthday card", "renew the passport"]


def setup_count_lines(workspace):
    write(workspace, "todo.txt", "\n".join(TODO) + "\n")


NOTES = {
    "monday.txt": "Team meeting at nine. Remember to bring the slides.\n",
    "recipe.txt": "Apple pie: apples, sugar, butter, flour and a pinch of cinnamon.\n",
    "garden_plan.txt": "Plant tomatoes in May, water the roses every evening.\n",
    "books.txt": "To read: a novel about the sea, a history of maps.\n",
}


def setup_find(workspace):
    for name, text in NOTES.items():
        write(workspace, f"notes/{name}", text)


def check_find(workspace, answer):
    lower = answer.lower()
    if "recipe" not in lower:
        return False, "answer does not name recipe.txt"
    wrong = [name for name in NOTES if name != "recipe.txt" and name[:-4].lower() in lower]
    if wrong:
        return False, f"answer also names {', '.join(wrong)}"
    return True, "answer names recipe.txt only"


NAMES = ["alice", "bob", "charlie", "diana", "edward"]


def setup_upper(workspace):
    write(workspace, "names.txt", "\n".join(NAMES) + "\n")


def check_upper(workspace, answer):
    text = read(workspace, "names_upper.txt")
    if text is None:
        return False, "names_upper.txt does not exist"
    if lines_of(text) == [name.upper() for name in NAMES]:
        return True, "names_upper.txt has the names in uppercase"
    return False, f"names_upper.txt differs: {text[:80]!r}"


def python_versions():
    """The versions python3 reports from this PATH and from the system folders alone: the plain
    loop runs commands with the caller's PATH, Nexus's sandbox keeps only the folders it can read
    (a pyenv shim folder under /root is not one of them)."""
    versions = []
    for path in (os.environ.get("PATH", ""), "/usr/local/bin:/usr/bin:/bin"):
        out = subprocess.run(["python3", "--version"], capture_output=True, text=True, timeout=30,
                             env=dict(os.environ, PATH=path))
        version = (out.stdout + out.stderr).split()[-1]   # "Python 3.11.2" -> "3.11.2"
        if version not in versions:
            versions.append(version)
    return versions


def check_python_version(workspace, answer):
    versions = python_versions()
    for version in versions:
        if re.search(r"(?<![\d.])" + re.escape(version) + r"(?![\d])", answer):
            return True, f"answer states {version}"
    return False, f"answer does not state {' or '.join(versions)}"


def check_nested(workspace, answer):
    if os.path.isdir(os.path.join(workspace, "a", "b", "c")):
        return True, "a/b/c exists"
    return False, "a/b/c is not a folder"


SALES = [("pens", 12, "1.50"), ("notebooks", 7, "3.20"), ("erasers", 30, "0.40"),
         ("staplers", 5, "12.00"), ("markers", 18, "2.75"), ("folders", 9, "6.10")]


def setup_csv(workspace):
    write(workspace, "sales.csv", "product,quantity,unit_price\n" + "".join(f"{p},{q},{u}\n" for p, q, u in SALES))


def nothing(workspace):
    pass


TASKS = [
    Task("count_files", "How many files are in the folder photos?",
         setup_count_files, answer_number(7)),
    Task("listing", "Write the names of the files in the folder docs into a new file named listing.txt, one name per line.",
         setup_listing, check_listing),
    Task("config_port", "Which port is set in the file config.ini?",
         setup_config, answer_number(8473)),
    Task("create_file", f"Create a file named note.txt containing exactly this text: {NOTE}",
         nothing, file_equals("note.txt", NOTE)),
    Task("copy_file", "Make a copy of report.txt named report_backup.txt.",
         setup_copy, check_copy),
    Task("fix_typo", "The file poem.txt has a typo: the word 'teh' should be 'the' everywhere. Fix poem.txt.",
         setup_fix, file_equals("poem.txt", "Roses are red,\nthe sky is blue,\nI wrote the poem\njust for you.\n")),
    Task("count_lines", "How many lines are in the file todo.txt?",
         setup_count_lines, answer_number(len(TODO))),
    Task("find_word", "Which file in the folder notes mentions cinnamon?",
         setup_find, check_find),
    Task("uppercase", "Write the lines of names.txt in uppercase into a new file named names_upper.txt.",
         setup_upper, check_upper),
    Task("command_output", "Run the command python3 --version and tell me which version it prints.",
         nothing, check_python_version),
    Task("nested_folders", "Create the nested folders a/b/c in the workspace (c inside b, b inside a).",
         nothing, check_nested),
    Task("csv_total", "What is the total of the quantity column in sales.csv?",
         setup_csv, answer_number(sum(q for _, q, _ in SALES))),
]


def selected(pattern):
    """The tasks whose name contains any of the comma-separated substrings in `pattern` (all if empty)."""
    if not pattern:
        return list(TASKS)
    parts = [part.strip() for part in pattern.split(",") if part.strip()]
    return [task for task in TASKS if any(part in task.name for part in parts)]
