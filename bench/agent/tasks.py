"""The agent benchmark's task set: everyday jobs a user would type, each with a setup (files put in
a fresh, empty workspace) and a check that judges only the end state of the workspace and/or the
final answer text, never which tools were used or how.

THE HELD-OUT HALF. Every task belongs to a half, "dev" or "heldout", and every kind has tasks in
both. The held-out half is never used to tune the agent loop: no system prompt, word list, guard,
argument repair or other heuristic may be written or adjusted by looking at a held-out task, its
prompt, its files or its runs. It is run only to report, next to the dev half, how far the loop's
success carries over to tasks it was not shaped on (run_bench.py prints both and the gap). When a
held-out task fails, note it; do not fix the loop for it. Changing a held-out task is a change to
the benchmark, to be made as such and not to make a number go up.

A check returns (passed, reason). Checks are tolerant of form (whitespace, numbers written as
digits or words, a trailing ".0", a leading folder on listed names, list markers) but not of
substance: a wrong number, a made-up name, an unchanged file or a file left behind fail.

Every task also carries what bench/agent/selfcheck.py needs to show that its check can fail and
can pass: `solve(workspace) -> answer`, a reference solution in plain Python doing what a correct
agent would do; `wrong`, a plausible wrong final answer; and, where a near miss is worth showing,
`spoil(workspace) -> answer`, a plausible wrong end state (a copy where a move was asked, one file
of several edited, ...).
"""

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Callable, Optional

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                "nineteen", "twenty"]

KINDS = ["count", "lookup", "arithmetic", "search", "edit", "multi_edit", "file_ops", "script", "sort_merge",
         "logs", "listing"]
HALVES = ["dev", "heldout"]


@dataclass(frozen=True)
class Task:
    name: str
    prompt: str
    setup: Callable[[str], None]
    check: Callable[[str, str], tuple]
    kind: str = ""
    half: str = ""
    solve: Optional[Callable[[str], str]] = None
    wrong: str = ""
    spoil: Optional[Callable[[str], str]] = None


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


def exists(workspace, relative):
    return os.path.exists(os.path.join(workspace, relative))


def squash(text):
    """Whitespace-insensitive form: runs of whitespace become one space, ends trimmed."""
    return " ".join(text.split())


def lines_of(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def files_under(workspace, relative="."):
    """Every file under a folder, as paths relative to that folder, sorted."""
    root = os.path.join(workspace, relative)
    found = []
    for current, _, files in os.walk(root):
        for name in files:
            found.append(os.path.relpath(os.path.join(current, name), root))
    return sorted(found)


NUMBER = re.compile(r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?![\w]|\.\d)")


def numbers_in(answer):
    """The numbers an answer states as standalone numerals: 81, 81.0, 1,234, $47.25 (not the 3 of box3)."""
    return [float(token.replace(",", "")) for token in NUMBER.findall(answer)]


def mentions_number(answer, value):
    """True if the answer states `value` as a standalone number (81, 81.0, 78.50) or, up to twenty, as a word."""
    if any(abs(found - float(value)) < 1e-6 for found in numbers_in(answer)):
        return True
    if isinstance(value, int) and 0 <= value < len(NUMBER_WORDS):
        return re.search(r"\b" + NUMBER_WORDS[value] + r"\b", answer, re.IGNORECASE) is not None
    return False


def names(answer, token):
    """True if `token` (a file or folder name, an address) occurs in the answer, not as part of a longer
    name: "page3" is not in "page30", "from_anna" is in "mail/from_anna.txt", "dates.py" is not in
    "test_dates.py"."""
    left = r"(?<![A-Za-z0-9_])" if "." in token else r"(?<![A-Za-z0-9])"
    return re.search(left + re.escape(token) + r"(?![A-Za-z0-9])", answer, re.IGNORECASE) is not None


def listed_names(text, prefix=""):
    """The entries of a listing file, one a line: list markers, quotes, "./" and a leading `prefix`
    folder stripped; a trailing "/" of a folder dropped."""
    entries = []
    for line in lines_of(text):
        line = re.sub(r"^(?:[-*•]|\d+[.)])\s+", "", line).strip("`'\" ")
        line = re.sub(r"^\./", "", line)
        if prefix:
            line = re.sub(r"^(?:\./)?" + re.escape(prefix.rstrip("/")) + "/", "", line)
        entries.append(line.rstrip("/"))
    return entries


def all_of(*checks):
    def check(workspace, answer):
        reasons = []
        for part in checks:
            passed, reason = part(workspace, answer)
            if not passed:
                return False, reason
            reasons.append(reason)
        return True, "; ".join(reasons)
    return check


def answer_number(value):
    def check(workspace, answer):
        if mentions_number(answer, value):
            return True, f"answer states {value}"
        return False, f"answer does not state {value}"
    return check


def answer_names(expected, forbidden=()):
    """The answer names every one of `expected` and none of `forbidden`."""
    def check(workspace, answer):
        missing = [token for token in expected if not names(answer, token)]
        if missing:
            return False, f"answer does not name {', '.join(missing)}"
        extra = [token for token in forbidden if names(answer, token)]
        if extra:
            return False, f"answer also names {', '.join(extra)}"
        return True, f"answer names {', '.join(expected)}"
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


def file_lines(relative, expected):
    """The file's non-blank lines, stripped, are exactly `expected` in that order."""
    def check(workspace, answer):
        text = read(workspace, relative)
        if text is None:
            return False, f"{relative} does not exist"
        if lines_of(text) == expected:
            return True, f"{relative} has the expected lines"
        return False, f"{relative} differs: {text[:80]!r}"
    return check


def unchanged(relative, expected):
    def check(workspace, answer):
        text = read(workspace, relative)
        if text is None:
            return False, f"{relative} was removed"
        if squash(text) != squash(expected):
            return False, f"{relative} was changed"
        return True, f"{relative} is unchanged"
    return check


def gone(relative):
    def check(workspace, answer):
        if exists(workspace, relative):
            return False, f"{relative} is still there"
        return True, f"{relative} is gone"
    return check


def setup_files(files):
    def setup(workspace):
        for relative, text in files.items():
            write(workspace, relative, text)
    return setup


def run_script(workspace, command, timeout=30):
    """Runs a script the agent wrote, in its workspace; returns (exit code, stdout) or (None, why)."""
    try:
        done = subprocess.run(command, cwd=workspace, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as failure:
        return None, str(failure)
    return done.returncode, done.stdout


# ---------------------------------------------------------------- count

def setup_count_files(workspace):
    for name in ["beach.jpg", "mountain.jpg", "city.png", "forest.jpg", "river.png", "sunset.jpg", "garden.png"]:
        write(workspace, f"photos/{name}", "not really an image\n")


def solve_count_files(workspace):
    return f"There are {len(os.listdir(os.path.join(workspace, 'photos')))} files in photos."


TODO = ["buy bread", "call the plumber", "water the plants", "pay the electricity bill", "book a dentist visit",
        "return library books", "clean the garage", "send the birthday card", "renew the passport"]


def setup_count_lines(workspace):
    write(workspace, "todo.txt", "\n".join(TODO) + "\n")


def solve_count_lines(workspace):
    return f"todo.txt has {len(read(workspace, 'todo.txt').splitlines())} lines."


WORDS_NOTES = {
    "notes": "Pick up the dry cleaning on Friday\nAsk Sam about the spare keys\nThe garden hose leaks near the tap\n",
    "notes.old": "Call the landlord about the heating\nBuy stamps\n",
}


def solve_count_words(workspace):
    return f"The file notes has {len(read(workspace, 'notes').split())} words."


BOX3 = {"box3/label.txt": "fragile\n", "box3/receipt.pdf": "%PDF-1.4 not really\n", "box3/scan_01.jpg": "jpeg\n",
        "box3/inventory": "2 lamps, 1 kettle\n",
        "box30/a.txt": "a\n", "box30/b.txt": "b\n", "box30/c.txt": "c\n", "box30/d.txt": "d\n",
        "box30/e.txt": "e\n", "box30/f.txt": "f\n",
        "box.txt": "the boxes in the attic\n"}


def solve_count_box3(workspace):
    return f"box3 holds {len(os.listdir(os.path.join(workspace, 'box3')))} files."


TRANSCRIPT = [
    "Alice: morning everyone",
    "Bob: hi, did anyone see the build?",
    "Alice: it failed on the linter",
    "Carol: I can ask Alice to look at it",
    "Alice: already on it",
    "Bob: thanks",
    "Dave: Alice, can you also check the docs job?",
    "Alice: sure",
    "Carol: lunch at noon?",
    "Alice: yes please",
    "Bob: same",
    "Carol: booked",
]


def solve_count_matches(workspace):
    lines = read(workspace, "chat/transcript.txt").splitlines()
    return f"{sum(1 for line in lines if line.startswith('Alice:'))} lines start with 'Alice:'."


# ---------------------------------------------------------------- lookup

def setup_config(workspace):
    write(workspace, "config.ini",
          "[server]\nhost = 0.0.0.0\nport = 8473\nworkers = 4\n\n[database]\nname = inventory\nuser = app\n")


def ini_values(text):
    """[(section, key, value)] of an INI text, whitespace around '=' ignored, in file order."""
    section, values = "", []
    for line in lines_of(text):
        if line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif "=" in line:
            key, value = line.split("=", 1)
            values.append((section, key.strip(), value.strip()))
    return values


def solve_config_port(workspace):
    port = dict(((s, k), v) for s, k, v in ini_values(read(workspace, "config.ini")))[("server", "port")]
    return f"The port is {port}."


APP_JSON = ('{\n  "name": "shop",\n  "server": {"host": "0.0.0.0", "port": 8080},\n'
            '  "database": {"host": "db.internal", "port": 5433, "name": "orders"},\n'
            '  "cache": {"host": "cache.internal", "port": 6379}\n}\n')


def solve_json_port(workspace):
    import json
    return f"The database port is {json.loads(read(workspace, 'settings/app.json'))['database']['port']}."


CONTACTS = [("Tom Becker", "tom.becker@example.org", "555-0101"),
            ("Priya Natarajan", "priya.n@example.com", "555-0102"),
            ("Lena Hoffmann", "lena@hoffmann.example", "555-0103"),
            ("Priya Nair", "priya.nair@example.org", "555-0104"),
            ("Omar Haddad", "omar.haddad@example.net", "555-0105"),
            ("Jun Watanabe", "jun.w@example.org", "555-0106")]


def solve_csv_email(workspace):
    import csv
    with open(os.path.join(workspace, "contacts.csv"), encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["name"] == "Priya Nair":
                return f"Priya Nair's email is {row['email']}."
    return ""


SETTINGS_INI = ("[smtp]\nhost = mail.local\nport = 587\nuser = mailer\n\n"
                "[backup]\ntarget = /srv/backup\nuser = archiver\nschedule = daily\n\n"
                "[web]\nport = 8080\nuser = www-data\n")


def solve_ini_section(workspace):
    values = dict(((s, k), v) for s, k, v in ini_values(read(workspace, "settings")))
    return f"The backup section uses the user {values[('backup', 'user')]}."


# ---------------------------------------------------------------- arithmetic

SALES = [("pens", 12, "1.50"), ("notebooks", 7, "3.20"), ("erasers", 30, "0.40"),
         ("staplers", 5, "12.00"), ("markers", 18, "2.75"), ("folders", 9, "6.10")]


def setup_csv(workspace):
    write(workspace, "sales.csv", "product,quantity,unit_price\n" + "".join(f"{p},{q},{u}\n" for p, q, u in SALES))


def csv_column(workspace, relative, column):
    import csv
    with open(os.path.join(workspace, relative), encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def solve_csv_total(workspace):
    return f"The quantities add up to {sum(int(v) for v in csv_column(workspace, 'sales.csv', 'quantity'))}."


GRADES = [("Ada", 72), ("Ben", 88), ("Chloe", 95), ("Dan", 64), ("Eva", 81), ("Finn", 77), ("Gus", 90), ("Hana", 61)]


def solve_average(workspace):
    scores = [int(v) for v in csv_column(workspace, "grades.csv", "score")]
    return f"The average score is {sum(scores) / len(scores)}."


JULY = [("2024-07-01", "Seville", "36.2"), ("2024-07-02", "Oslo", "9.8"), ("2024-07-03", "Athens", "38.4"),
        ("2024-07-04", "Lisbon", "31.0"), ("2024-07-05", "Oslo", "12.5"), ("2024-07-06", "Rome", "35.7")]
JUNE = [("2024-06-28", "Seville", "39.1"), ("2024-06-29", "Rome", "33.3")]


def temps_csv(rows):
    return "date,city,temp_c\n" + "".join(f"{d},{c},{t}\n" for d, c, t in rows)


def solve_max_temp(workspace):
    return f"The highest temperature in July was {max(float(v) for v in csv_column(workspace, 'readings/july.csv', 'temp_c'))} °C."


EXPENSES = [("2024-03-01", "coffee", "3.40"), ("2024-03-02", "train ticket", "12.99"), ("2024-03-04", "lunch", "7.25"),
            ("2024-03-09", "groceries", "45.00"), ("2024-03-11", "parking", "2.10"), ("2024-03-15", "books", "18.60")]


def solve_expenses(workspace):
    total = sum(round(float(line.split()[-1]) * 100) for line in lines_of(read(workspace, "expenses")))
    return f"The total is {total // 100}.{total % 100:02d}."


# ---------------------------------------------------------------- search

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


def grep_files(workspace, folder, needle, ignore_case=False):
    found = []
    for relative in files_under(workspace, folder):
        text = read(workspace, os.path.join(folder, relative))
        if (needle.lower() in text.lower()) if ignore_case else (needle in text):
            found.append(relative)
    return found


def solve_find(workspace):
    return "The file " + ", ".join(grep_files(workspace, "notes", "cinnamon")) + " mentions cinnamon."


MAIL = {
    "mail/from_anna.txt": "Hi, the invoice for March is attached. Anna\n",
    "mail/from_bert.txt": "Are we still on for Saturday? Bert\n",
    "mail/from_carla.txt": "Invoice #4471 is overdue, please pay by Friday. Carla\n",
    "mail/from_dmitri.txt": "I left you a voice message about the car. Dmitri\n",
    "mail/from_elena.txt": "Thanks for the flowers! Elena\n",
}


def solve_mail(workspace):
    return "These mention an invoice: " + ", ".join(grep_files(workspace, "mail", "invoice", ignore_case=True))


PARSE_DATE = {
    "src/app/main.py": "from utils.dates import parse_date\n\n\ndef run(text):\n    return parse_date(text)\n",
    "src/utils/dates.py": "import datetime\n\n\ndef parse_date(text):\n"
                          "    return datetime.date.fromisoformat(text.strip())\n",
    "src/utils/strings.py": "def slugify(text):\n    return '-'.join(text.lower().split())\n",
    "src/models.py": "class Order:\n    def __init__(self, day):\n        self.day = day\n",
    "tests/test_dates.py": "from utils.dates import parse_date\n\n\ndef test_parse():\n"
                           "    assert parse_date('2024-01-02').day == 2\n",
}


def solve_define_func(workspace):
    return "parse_date is defined in src/" + ", ".join(grep_files(workspace, "src", "def parse_date"))


WIKI = {
    "wiki/page1": "Welcome to the team wiki. Start here.\n",
    "wiki/page2": "Uploads have a size limit of 20 MB per file.\n",
    "wiki/page3": "How to set up your laptop: install the VPN client first.\n",
    "wiki/page4": "The public API has a rate limit of 100 requests per minute per key.\n",
    "wiki/page5": "Holiday calendar and who to ask about leave.\n",
    "wiki/page6": "Travel: we reimburse at the daily exchange rate.\n",
}


def solve_wiki(workspace):
    return "It is " + ", ".join(grep_files(workspace, "wiki", "rate limit", ignore_case=True))


# ---------------------------------------------------------------- edit

POEM = "Roses are red,\nteh sky is blue,\nI wrote teh poem\njust for you.\n"


def setup_fix(workspace):
    write(workspace, "poem.txt", POEM)


def solve_fix(workspace):
    write(workspace, "poem.txt", re.sub(r"\bteh\b", "the", read(workspace, "poem.txt")))
    return "Fixed both typos in poem.txt."


def spoil_fix(workspace):
    write(workspace, "poem.txt", read(workspace, "poem.txt").replace("teh", "the", 1))
    return "Fixed the typo."


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


def solve_upper(workspace):
    write(workspace, "names_upper.txt", read(workspace, "names.txt").upper())
    return "Done."


def spoil_upper(workspace):
    write(workspace, "names_upper.txt", read(workspace, "names.txt").title())
    return "Done."


FRUITS = ["apple", "banana", "cherry", "date", "elderberry"]


def solve_delete_line(workspace):
    kept = [line for line in read(workspace, "fruits.txt").splitlines() if line.strip() != "banana"]
    write(workspace, "fruits.txt", "\n".join(kept) + "\n")
    return "Removed banana."


def spoil_delete_line(workspace):
    write(workspace, "fruits.txt", "apple\nbanana\ndate\nelderberry\n")
    return "Removed banana."


SERVER_INI = "[http]\nhost = 127.0.0.1\nport = 8000\ntimeout = 30\n\n[tls]\nenabled = false\n"


def check_edit_port(workspace, answer):
    text = read(workspace, "config/server.ini")
    if text is None:
        return False, "config/server.ini does not exist"
    expected = [(s, k, "9090" if (s, k) == ("http", "port") else v) for s, k, v in ini_values(SERVER_INI)]
    if ini_values(text) == expected:
        return True, "port is 9090, everything else as it was"
    return False, f"config/server.ini is not the original with port 9090: {text[:100]!r}"


def solve_edit_port(workspace):
    write(workspace, "config/server.ini", read(workspace, "config/server.ini").replace("port = 8000", "port = 9090"))
    return "The port is now 9090."


def spoil_edit_port(workspace):
    write(workspace, "config/server.ini", read(workspace, "config/server.ini") + "port = 9090\n")
    return "The port is now 9090."


SHOPPING = ["eggs", "bread", "butter"]


def solve_append(workspace):
    text = read(workspace, "shopping")
    write(workspace, "shopping", text + ("" if text.endswith("\n") else "\n") + "oat milk\n")
    return "Added oat milk."


def spoil_append(workspace):
    write(workspace, "shopping", "oat milk\n")
    return "Added oat milk."


# ---------------------------------------------------------------- multi_edit

ACME = {
    "docs/about.md": "# About\n\nAcme Corp builds tools for small shops.\n",
    "docs/contact.md": "# Contact\n\nWrite to Acme Corp, 1 Main Street.\nAcme Corp answers within a day.\n",
    "docs/pricing.md": "# Pricing\n\nEvery Acme Corp plan includes support.\n",
    "docs/notes.txt": "Old name: Acme Corp (keep this file as it is).\n",
}


def solve_multi_replace(workspace):
    for relative in ACME:
        if relative.endswith(".md"):
            write(workspace, relative, read(workspace, relative).replace("Acme Corp", "Globex"))
    return "Replaced Acme Corp with Globex in the three .md files."


def spoil_multi_replace(workspace):
    write(workspace, "docs/about.md", read(workspace, "docs/about.md").replace("Acme Corp", "Globex"))
    return "Done."


CHAPTERS = {
    "chapters/chapter1": "It was raining in the harbour town.\nNobody came to the station.\n",
    "chapters/chapter2": "The letter arrived on a Tuesday.\n",
    "chapters/chapter3": "By winter the shop had closed.\nOnly the cat stayed.\n",
}


def solve_multi_header(workspace):
    for relative in CHAPTERS:
        write(workspace, relative, "# draft\n" + read(workspace, relative))
    return "Added '# draft' at the top of the three chapters."


def spoil_multi_header(workspace):
    for relative in CHAPTERS:
        write(workspace, relative, read(workspace, relative) + "# draft\n")
    return "Done."


VERSION_FILES = {
    "setup.cfg": "[metadata]\nname = tinyapp\nversion = 1.4.2\n\n[options]\npackages = app\n",
    "app/version.py": '__version__ = "1.4.2"\n',
    "CHANGELOG.md": "# Changes\n\n## 1.4.2\n\n- fixed the export button\n",
}


def solve_multi_version(workspace):
    for relative in ["setup.cfg", "app/version.py"]:
        write(workspace, relative, read(workspace, relative).replace("1.4.2", "1.5.0"))
    return "Both files now say 1.5.0."


def spoil_multi_version(workspace):
    write(workspace, "setup.cfg", read(workspace, "setup.cfg").replace("1.4.2", "1.5.0"))
    return "Bumped to 1.5.0."


TOOLS_PY = {
    "tools/report.py": "def report(rows):\n    old_total = sum(rows)\n    print('total', old_total)\n    return old_total\n",
    "tools/export.py": "from report import report\n\n\ndef export(rows):\n    old_total = report(rows)\n"
                       "    return {'total': old_total}\n",
    "tools/readme.txt": "Small helpers for the monthly report.\n",
}


def solve_rename_var(workspace):
    for relative in ["tools/report.py", "tools/export.py"]:
        write(workspace, relative, read(workspace, relative).replace("old_total", "grand_total"))
    return "Renamed old_total to grand_total in report.py and export.py."


def spoil_rename_var(workspace):
    write(workspace, "tools/report.py", read(workspace, "tools/report.py").replace("old_total", "grand_total"))
    return "Renamed it."


# ---------------------------------------------------------------- file_ops

NOTE = "Meeting moved to Thursday at 10am"


def solve_create_file(workspace):
    write(workspace, "note.txt", NOTE + "\n")
    return "Created note.txt."


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


def solve_copy(workspace):
    shutil.copyfile(os.path.join(workspace, "report.txt"), os.path.join(workspace, "report_backup.txt"))
    return "Copied."


def spoil_copy(workspace):
    os.rename(os.path.join(workspace, "report.txt"), os.path.join(workspace, "report_backup.txt"))
    return "Copied."


DRAFT9 = "Dear committee,\n\nplease find my application attached.\n"


def solve_rename(workspace):
    os.rename(os.path.join(workspace, "draft9"), os.path.join(workspace, "final9"))
    return "Renamed draft9 to final9."


def spoil_rename(workspace):
    shutil.copyfile(os.path.join(workspace, "draft9"), os.path.join(workspace, "final9"))
    return "Renamed draft9 to final9."


def check_nested(workspace, answer):
    if os.path.isdir(os.path.join(workspace, "a", "b", "c")):
        return True, "a/b/c exists"
    return False, "a/b/c is not a folder"


def solve_nested(workspace):
    os.makedirs(os.path.join(workspace, "a", "b", "c"))
    return "Created a/b/c."


def spoil_nested(workspace):
    os.makedirs(os.path.join(workspace, "a", "b"))
    write(workspace, "a/b/c", "")
    return "Created a/b/c."


INBOX = {"inbox/a.png": "png a\n", "inbox/b.png": "png b\n", "inbox/chart.png": "png chart\n",
         "inbox/notes.txt": "keep me here\n", "inbox/photo.jpg": "jpeg\n"}
PNGS = ["a.png", "b.png", "chart.png"]


def check_move_png(workspace, answer):
    for name in PNGS:
        text = read(workspace, f"images/{name}")
        if text is None or squash(text) != squash(INBOX[f"inbox/{name}"]):
            return False, f"images/{name} is missing or differs"
        if exists(workspace, f"inbox/{name}"):
            return False, f"inbox/{name} was left behind"
    for relative in ["inbox/notes.txt", "inbox/photo.jpg"]:
        if read(workspace, relative) is None:
            return False, f"{relative} should have stayed in inbox"
    return True, "the .png files are in images, the rest stayed in inbox"


def solve_move_png(workspace):
    os.makedirs(os.path.join(workspace, "images"), exist_ok=True)
    for name in os.listdir(os.path.join(workspace, "inbox")):
        if name.endswith(".png"):
            shutil.move(os.path.join(workspace, "inbox", name), os.path.join(workspace, "images", name))
    return "Moved the .png files to images."


def spoil_move_png(workspace):
    for name in PNGS:
        write(workspace, f"images/{name}", read(workspace, f"inbox/{name}"))
    return "Moved them."


BUILD = {"build/a.tmp": "x\n", "build/obj/b.tmp": "y\n", "build/obj/main.o": "object\n", "build/app.bin": "binary\n",
         "build/readme.txt": "build output\n", "keep.tmp": "not under build\n"}


def check_delete_tmp(workspace, answer):
    left = [relative for relative in files_under(workspace, "build") if relative.endswith(".tmp")] \
        if os.path.isdir(os.path.join(workspace, "build")) else []
    if left:
        return False, f"build still holds {', '.join(left)}"
    for relative in BUILD:
        if not relative.endswith(".tmp") or not relative.startswith("build/"):
            if read(workspace, relative) is None:
                return False, f"{relative} was removed too"
    return True, "the .tmp files under build are gone, the rest is there"


def solve_delete_tmp(workspace):
    for relative in files_under(workspace, "build"):
        if relative.endswith(".tmp"):
            os.remove(os.path.join(workspace, "build", relative))
    return "Deleted the .tmp files under build."


def spoil_delete_tmp(workspace):
    os.remove(os.path.join(workspace, "build", "a.tmp"))
    return "Deleted build/a.tmp."


# ---------------------------------------------------------------- script

def python_versions():
    """The versions python3 reports from this PATH and from the system folders alone: the plain
    loop runs commands with the caller's PATH, Nexus's sandbox keeps only the folders it can read
    (a pyenv shim folder under /root is not one of them)."""
    versions = []
    for path in (os.environ.get("PATH", ""), "/usr/local/bin:/usr/bin:/bin"):
        try:
            out = subprocess.run(["python3", "--version"], capture_output=True, text=True, timeout=30,
                                 env=dict(os.environ, PATH=path))
        except OSError:
            continue
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


def solve_python_version(workspace):
    done = subprocess.run(["python3", "--version"], capture_output=True, text=True, timeout=30)
    return f"It prints {(done.stdout + done.stderr).strip()}."


PRIMES = [n for n in range(2, 50) if all(n % d for d in range(2, n))]


def check_primes(workspace, answer):
    if read(workspace, "primes.py") is None:
        return False, "primes.py does not exist"
    code, out = run_script(workspace, ["python3", "primes.py"])
    if code != 0:
        return False, f"python3 primes.py fails: {out[:80]!r}"
    printed = [int(n) for n in numbers_in(out)]
    if printed != PRIMES:
        return False, f"primes.py prints {out[:80]!r}, not the primes below 50"
    return answer_number(len(PRIMES))(workspace, answer)


PRIMES_PY = "for n in range(2, 50):\n    if all(n % d for d in range(2, n)):\n        print(n)\n"


def solve_primes(workspace):
    write(workspace, "primes.py", PRIMES_PY)
    code, out = run_script(workspace, ["python3", "primes.py"])
    return f"It printed {len(out.split())} primes."


def spoil_primes(workspace):
    write(workspace, "primes.py", "for n in range(1, 50):\n    if all(n % d for d in range(2, n)):\n        print(n)\n")
    return "It printed 16 primes."


INBOX_TXT = {f"inbox/{name}": f"{name}\n" for name in
             ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "f.txt", "notes.md", "todo.md"]}


def check_count_sh(workspace, answer):
    if read(workspace, "count.sh") is None:
        return False, "count.sh does not exist"
    code, out = run_script(workspace, ["bash", "count.sh"])
    if code != 0 or 6 not in [int(n) for n in numbers_in(out)]:
        return False, f"bash count.sh prints {out[:60]!r}, not 6"
    # It must count, not print a number it was told: with one more .txt file it prints 7.
    with tempfile.TemporaryDirectory(prefix="count-sh-") as copy:
        shutil.copytree(workspace, copy, dirs_exist_ok=True)
        write(copy, "inbox/g.txt", "g\n")
        code, out = run_script(copy, ["bash", "count.sh"])
        if code != 0 or 7 not in [int(n) for n in numbers_in(out)]:
            return False, f"with a seventh .txt file, count.sh prints {out[:60]!r}: it does not count"
    return answer_number(6)(workspace, answer)


def solve_count_sh(workspace):
    write(workspace, "count.sh", "#!/bin/bash\nls inbox/*.txt | wc -l\n")
    code, out = run_script(workspace, ["bash", "count.sh"])
    return f"It printed {out.strip()}."


def spoil_count_sh(workspace):
    write(workspace, "count.sh", "#!/bin/bash\necho 6\n")
    return "It printed 6."


FIZZBUZZ = ["FizzBuzz" if n % 15 == 0 else "Fizz" if n % 3 == 0 else "Buzz" if n % 5 == 0 else str(n)
            for n in range(1, 16)]


def check_fizzbuzz(workspace, answer):
    if read(workspace, "fizzbuzz.py") is None:
        return False, "fizzbuzz.py does not exist"
    code, out = run_script(workspace, ["python3", "fizzbuzz.py"])
    if code != 0 or lines_of(out) != FIZZBUZZ:
        return False, f"python3 fizzbuzz.py prints {out[:60]!r}, not FizzBuzz from 1 to 15"
    if not re.search(r"fizz\s*buzz", answer, re.IGNORECASE):
        return False, "answer does not say FizzBuzz"
    return True, "fizzbuzz.py is right and the answer says FizzBuzz"


def solve_fizzbuzz(workspace):
    write(workspace, "fizzbuzz.py", "for n in range(1, 16):\n"
                                    "    print('FizzBuzz' if n % 15 == 0 else 'Fizz' if n % 3 == 0 "
                                    "else 'Buzz' if n % 5 == 0 else n)\n")
    code, out = run_script(workspace, ["python3", "fizzbuzz.py"])
    return f"The last line is {lines_of(out)[-1]}."


def spoil_fizzbuzz(workspace):
    write(workspace, "fizzbuzz.py", "for n in range(1, 15):\n"
                                    "    print('FizzBuzz' if n % 15 == 0 else 'Fizz' if n % 3 == 0 "
                                    "else 'Buzz' if n % 5 == 0 else n)\n")
    return "The last line is 14."


# ---------------------------------------------------------------- sort_merge

GUESTS = ["Martha", "Ahmed", "Zoe", "Karl", "Bianca", "Ingrid", "Pavel", "Chen"]


def solve_sort_guests(workspace):
    write(workspace, "guests_sorted", "\n".join(sorted(lines_of(read(workspace, "guests")))) + "\n")
    return "Saved the sorted names to guests_sorted."


def spoil_sort_guests(workspace):
    write(workspace, "guests_sorted", "\n".join(sorted(lines_of(read(workspace, "guests")), reverse=True)) + "\n")
    return "Done."


PART1 = "Chapter one.\nThe ship left at dawn.\n"
PART2 = "Chapter two.\nThe storm came at noon.\n"


def solve_merge_parts(workspace):
    write(workspace, "full.txt", read(workspace, "part1.txt") + read(workspace, "part2.txt"))
    return "full.txt holds part1.txt then part2.txt."


def spoil_merge_parts(workspace):
    write(workspace, "full.txt", read(workspace, "part2.txt") + read(workspace, "part1.txt"))
    return "Done."


SCORES = [("Tom", 42), ("Ana", 9), ("Raj", 100), ("Mia", 57), ("Leo", 8), ("Ivy", 73)]


def check_sort_scores(workspace, answer):
    text = read(workspace, "ranking.txt")
    if text is None:
        return False, "ranking.txt does not exist"
    expected = [[name, str(score)] for name, score in sorted(SCORES, key=lambda pair: -pair[1])]
    got = [re.split(r"[\s,:;]+", line.strip()) for line in lines_of(text)]
    got = [[part for part in parts if part] for parts in got]
    if got == expected:
        return True, "ranking.txt is scores.txt by score, highest first"
    return False, f"ranking.txt is not sorted by score, highest first: {text[:80]!r}"


def solve_sort_scores(workspace):
    rows = [line.split() for line in lines_of(read(workspace, "scores.txt"))]
    write(workspace, "ranking.txt", "".join(f"{n} {s}\n" for n, s in sorted(rows, key=lambda r: -int(r[1]))))
    return "Wrote ranking.txt."


def spoil_sort_scores(workspace):
    rows = [line.split() for line in lines_of(read(workspace, "scores.txt"))]
    write(workspace, "ranking.txt", "".join(f"{n} {s}\n" for n, s in sorted(rows, key=lambda r: r[1], reverse=True)))
    return "Wrote ranking.txt."


EMAILS_A = ["zara@example.org", "ben@example.com", "kim@example.net", "ada@example.org"]
EMAILS_B = ["kim@example.net", "lou@example.com", "ada@example.org", "cy@example.io"]


def solve_merge_emails(workspace):
    merged = set(lines_of(read(workspace, "a/emails.txt"))) | set(lines_of(read(workspace, "b/emails.txt")))
    write(workspace, "all_emails.txt", "\n".join(sorted(merged)) + "\n")
    return f"all_emails.txt has {len(merged)} addresses."


def spoil_merge_emails(workspace):
    write(workspace, "all_emails.txt", read(workspace, "a/emails.txt") + read(workspace, "b/emails.txt"))
    return "Merged them."


# ---------------------------------------------------------------- logs

APP_LOG = """2024-05-02 07:58:01 INFO service started
2024-05-02 07:58:03 ERROR could not reach the cache
2024-05-02 07:59:10 INFO retrying after error
2024-05-02 08:00:00 WARN slow response from db
2024-05-02 08:01:12 ERROR db timeout after 30 s
2024-05-02 08:01:13 INFO request served
2024-05-02 08:02:40 ERROR db timeout after 30 s
2024-05-02 08:03:00 INFO error budget at 80 percent
2024-05-02 08:05:22 ERROR disk almost full
2024-05-02 08:06:01 INFO request served
2024-05-02 08:07:45 ERROR worker 3 crashed
2024-05-02 08:08:00 WARN worker 3 restarted
2024-05-02 08:09:31 ERROR worker 3 crashed
2024-05-02 08:10:00 INFO shutting down
"""


def solve_log_errors(workspace):
    return f"There are {sum(1 for line in read(workspace, 'app.log').splitlines() if ' ERROR ' in line)} ERROR lines."


ACCESS = ["10.0.0.7", "192.168.1.20", "10.0.0.71", "10.0.0.7", "10.0.0.71", "172.16.0.3", "10.0.0.7",
          "192.168.1.20", "10.0.0.71", "10.0.0.7", "192.168.1.20", "10.0.0.71", "10.0.0.7"]


def access_log(ips):
    paths = ["/", "/login", "/cart", "/api/items", "/help"]
    return "".join(f'{ip} - - [02/May/2024:10:{i:02d}:00 +0000] "GET {paths[i % 5]} HTTP/1.1" 200 512\n'
                   for i, ip in enumerate(ips))


def solve_log_ip(workspace):
    counts = {}
    for line in lines_of(read(workspace, "access.log")):
        counts[line.split()[0]] = counts.get(line.split()[0], 0) + 1
    return f"{max(counts, key=counts.get)} shows up most often."


WEB_LOG = [("/", 200), ("/old-page", 404), ("/errors/404.html", 200), ("/cart", 200), ("/favicon.ico", 404),
           ("/api/v2/items", 404), ("/login", 302), ("/blog/2019", 404), ("/", 200), ("/search?q=404", 200)]


def web_log():
    return "".join(f'10.1.1.{i} - - [03/May/2024:09:{i:02d}:10 +0000] "GET {path} HTTP/1.1" {status} {300 + i}\n'
                   for i, (path, status) in enumerate(WEB_LOG))


def solve_log_404(workspace):
    count = sum(1 for line in lines_of(read(workspace, "logs/web.log")) if line.split('"')[2].split()[0] == "404")
    return f"{count} requests got a 404."


SERVICE_LOG = """2024-05-02 07:59:12 INFO boot
2024-05-02 08:02:30 WARN config value missing, using the default
2024-05-02 08:14:03 ERROR payment provider unreachable
2024-05-02 08:20:00 INFO payment provider back
2024-05-02 09:02:47 ERROR queue full
2024-05-02 11:30:05 ERROR queue full
2024-05-02 12:00:00 INFO done
"""


def check_first_error(workspace, answer):
    if re.search(r"(?<![\d:])0?8:14:03(?![\d:])", answer):
        return True, "answer states 08:14:03"
    return False, "answer does not state 08:14:03"


def solve_first_error(workspace):
    first = next(line for line in lines_of(read(workspace, "service_log")) if " ERROR " in line)
    return f"The first ERROR was at {first.split()[1]}."


# ---------------------------------------------------------------- listing

DOCS = ["intro.md", "setup.md", "usage.md", "faq.md", "changelog.md"]


def setup_listing(workspace):
    for name in DOCS:
        write(workspace, f"docs/{name}", f"# {name[:-3].title()}\n\nSome text.\n")


def check_listing(workspace, answer):
    text = read(workspace, "listing.txt")
    if text is None:
        return False, "listing.txt does not exist"
    listed = set(listed_names(text, "docs"))
    missing = [name for name in DOCS if name not in listed]
    if missing:
        return False, f"listing.txt lacks a line for {', '.join(missing)}"
    return True, "listing.txt names every file on its own line"


def solve_listing(workspace):
    write(workspace, "listing.txt", "\n".join(sorted(os.listdir(os.path.join(workspace, "docs")))) + "\n")
    return "Wrote listing.txt."


def spoil_listing(workspace):
    write(workspace, "listing.txt", "\n".join(sorted(os.listdir(os.path.join(workspace, "docs")))[:-1]) + "\n")
    return "Wrote listing.txt."


def listing_exactly(relative, prefix, expected):
    """The listing file names exactly `expected` (in any order), nothing missing, nothing more."""
    def check(workspace, answer):
        text = read(workspace, relative)
        if text is None:
            return False, f"{relative} does not exist"
        listed = listed_names(text, prefix)
        missing = sorted(set(expected) - set(listed))
        extra = sorted(set(listed) - set(expected))
        if missing:
            return False, f"{relative} lacks {', '.join(missing)}"
        if extra:
            return False, f"{relative} also lists {', '.join(extra)}"
        return True, f"{relative} lists exactly {', '.join(sorted(expected))}"
    return check


DATA = {"data/jan.csv": "day,amount\n1,5\n", "data/feb.csv": "day,amount\n1,7\n", "data/mar.csv": "day,amount\n1,2\n",
        "data/summary.json": "{}\n", "data/readme.md": "monthly data\n"}


def solve_listing_csv(workspace):
    names_ = sorted(n for n in os.listdir(os.path.join(workspace, "data")) if n.endswith(".csv"))
    write(workspace, "csv_files.txt", "\n".join(names_) + "\n")
    return "Wrote csv_files.txt."


def spoil_listing_csv(workspace):
    write(workspace, "csv_files.txt", "jan.csv\nfeb.csv\nmar.csv\nsummary.json\n")
    return "Wrote csv_files.txt."


PROJECTS = {"projects/alpha/readme.md": "alpha\n", "projects/beta2/main.py": "print(2)\n",
            "projects/gamma/notes": "g\n", "projects/todo.txt": "ship beta2\n"}


def solve_listing_folders(workspace):
    root = os.path.join(workspace, "projects")
    write(workspace, "folders", "\n".join(sorted(n for n in os.listdir(root) if os.path.isdir(os.path.join(root, n)))) + "\n")
    return "Wrote the folder names into folders."


def spoil_listing_folders(workspace):
    write(workspace, "folders", "\n".join(sorted(os.listdir(os.path.join(workspace, "projects")))) + "\n")
    return "Done."


SRC_PY = {"src/main.py": "print('hi')\n", "src/util/io.py": "def load(): pass\n", "src/util/text.py": "def clean(): pass\n",
          "src/tests/test_io.py": "def test_load(): pass\n", "src/README.md": "source\n", "src/util/data.json": "{}\n",
          "tools/build.py": "print('not under src')\n"}
PY_UNDER_SRC = ["main.py", "util/io.py", "util/text.py", "tests/test_io.py"]


def solve_listing_py(workspace):
    write(workspace, "py_files.txt", "\n".join(p for p in files_under(workspace, "src") if p.endswith(".py")) + "\n")
    return "Wrote py_files.txt."


def spoil_listing_py(workspace):
    write(workspace, "py_files.txt", "main.py\nio.py\ntext.py\ntest_io.py\n")
    return "Wrote py_files.txt."


def nothing(workspace):
    pass


# ---------------------------------------------------------------- the tasks

TASKS = [
    # count
    Task("count_files", "How many files are in the folder photos?",
         setup_count_files, answer_number(7),
         kind="count", half="dev", solve=solve_count_files, wrong="There are 6 files in photos."),
    Task("count_lines", "How many lines are in the file todo.txt?",
         setup_count_lines, answer_number(len(TODO)),
         kind="count", half="dev", solve=solve_count_lines, wrong="todo.txt has 10 lines."),
    Task("count_words", "how many words are in the file notes",
         setup_files(WORDS_NOTES), answer_number(len(WORDS_NOTES["notes"].split())),
         kind="count", half="heldout", solve=solve_count_words, wrong="The file has 6 words."),
    Task("count_box3", "box3 - how many files are in there?",
         setup_files(BOX3), answer_number(4),
         kind="count", half="heldout", solve=solve_count_box3, wrong="box3 holds 6 files."),
    Task("count_matches", "In chat/transcript.txt, how many lines start with 'Alice:'?",
         setup_files({"chat/transcript.txt": "\n".join(TRANSCRIPT) + "\n"}),
         answer_number(sum(1 for line in TRANSCRIPT if line.startswith("Alice:"))),
         kind="count", half="heldout", solve=solve_count_matches, wrong="Alice appears on 7 lines."),
    # lookup
    Task("config_port", "Which port is set in the file config.ini?",
         setup_config, answer_number(8473),
         kind="lookup", half="dev", solve=solve_config_port, wrong="The port is 8080."),
    Task("json_port", "whats the database port in settings/app.json",
         setup_files({"settings/app.json": APP_JSON}), answer_number(5433),
         kind="lookup", half="dev", solve=solve_json_port, wrong="The port is 8080."),
    Task("csv_email", "Could you look up Priya Nair's email address in contacts.csv?",
         setup_files({"contacts.csv": "name,email,phone\n" + "".join(f"{n},{e},{p}\n" for n, e, p in CONTACTS)}),
         answer_names(["priya.nair@example.org"], ["priya.n@example.com"]),
         kind="lookup", half="heldout", solve=solve_csv_email, wrong="Her email is priya.n@example.com."),
    Task("ini_section", "In the file settings, which user is configured in the [backup] section?",
         setup_files({"settings": SETTINGS_INI}), answer_names(["archiver"], ["mailer"]),
         kind="lookup", half="heldout", solve=solve_ini_section, wrong="The user is mailer."),
    # arithmetic
    Task("csv_total", "What is the total of the quantity column in sales.csv?",
         setup_csv, answer_number(sum(q for _, q, _ in SALES)),
         kind="arithmetic", half="dev", solve=solve_csv_total, wrong="The total is 76."),
    Task("average_score", "What's the average score in grades.csv?",
         setup_files({"grades.csv": "student,score\n" + "".join(f"{n},{s}\n" for n, s in GRADES)}),
         answer_number(sum(s for _, s in GRADES) / len(GRADES)),
         kind="arithmetic", half="dev", solve=solve_average, wrong="The average is 79."),
    Task("max_temp", "highest temperature in readings/july.csv?",
         setup_files({"readings/july.csv": temps_csv(JULY), "readings/june.csv": temps_csv(JUNE)}),
         answer_number(38.4),
         kind="arithmetic", half="heldout", solve=solve_max_temp, wrong="The highest was 9.8 °C in Oslo."),
    Task("expenses_sum", "add up all the amounts in expenses and tell me the total",
         setup_files({"expenses": "".join(f"{d} {what} {amount}\n" for d, what, amount in EXPENSES)}),
         answer_number(89.34),
         kind="arithmetic", half="heldout", solve=solve_expenses, wrong="The total is 89.3."),
    # search
    Task("find_word", "Which file in the folder notes mentions cinnamon?",
         setup_find, check_find,
         kind="search", half="dev", solve=solve_find, wrong="garden_plan.txt mentions it."),
    Task("mail_invoice", "Which files in the folder mail mention the word invoice? Give me their names.",
         setup_files(MAIL), answer_names(["from_anna", "from_carla"], ["from_bert", "from_dmitri", "from_elena"]),
         kind="search", half="dev", solve=solve_mail, wrong="from_anna.txt and from_dmitri.txt"),
    Task("define_func", "find the file in src that defines the function parse_date",
         setup_files(PARSE_DATE), answer_names(["dates.py"], ["strings.py", "models.py"]),
         kind="search", half="heldout", solve=solve_define_func, wrong="It is defined in src/app/main.py."),
    Task("wiki_phrase", "Which page in wiki talks about the rate limit?",
         setup_files(WIKI), answer_names(["page4"], ["page2", "page6"]),
         kind="search", half="heldout", solve=solve_wiki, wrong="wiki/page2 covers it."),
    # edit
    Task("fix_typo", "The file poem.txt has a typo: the word 'teh' should be 'the' everywhere. Fix poem.txt.",
         setup_fix, file_equals("poem.txt", POEM.replace("teh", "the")),
         kind="edit", half="dev", solve=solve_fix, spoil=spoil_fix, wrong="Fixed it."),
    Task("uppercase", "Write the lines of names.txt in uppercase into a new file named names_upper.txt.",
         setup_upper, check_upper,
         kind="edit", half="dev", solve=solve_upper, spoil=spoil_upper, wrong="Done."),
    Task("delete_line", "Please remove the line that says banana from fruits.txt.",
         setup_files({"fruits.txt": "\n".join(FRUITS) + "\n"}), file_lines("fruits.txt", [f for f in FRUITS if f != "banana"]),
         kind="edit", half="dev", solve=solve_delete_line, spoil=spoil_delete_line, wrong="Removed it."),
    Task("edit_port", "change the port in config/server.ini to 9090, leave everything else as it is",
         setup_files({"config/server.ini": SERVER_INI}), check_edit_port,
         kind="edit", half="heldout", solve=solve_edit_port, spoil=spoil_edit_port, wrong="The port is now 9090."),
    Task("append_line", 'add "oat milk" to the end of shopping',
         setup_files({"shopping": "\n".join(SHOPPING) + "\n"}), file_lines("shopping", SHOPPING + ["oat milk"]),
         kind="edit", half="heldout", solve=solve_append, spoil=spoil_append, wrong="Added oat milk."),
    # multi_edit
    Task("multi_replace", "In every .md file in docs, replace Acme Corp with Globex.",
         setup_files(ACME),
         all_of(*[file_equals(r, t.replace("Acme Corp", "Globex")) for r, t in ACME.items() if r.endswith(".md")],
                unchanged("docs/notes.txt", ACME["docs/notes.txt"])),
         kind="multi_edit", half="dev", solve=solve_multi_replace, spoil=spoil_multi_replace, wrong="Done."),
    Task("multi_header", "add a first line '# draft' to each file in chapters",
         setup_files(CHAPTERS), all_of(*[file_lines(r, ["# draft"] + lines_of(t)) for r, t in CHAPTERS.items()]),
         kind="multi_edit", half="dev", solve=solve_multi_header, spoil=spoil_multi_header, wrong="Done."),
    Task("multi_version", "Bump the version from 1.4.2 to 1.5.0 in setup.cfg and in app/version.py.",
         setup_files(VERSION_FILES),
         all_of(file_equals("setup.cfg", VERSION_FILES["setup.cfg"].replace("1.4.2", "1.5.0")),
                file_equals("app/version.py", VERSION_FILES["app/version.py"].replace("1.4.2", "1.5.0")),
                unchanged("CHANGELOG.md", VERSION_FILES["CHANGELOG.md"])),
         kind="multi_edit", half="heldout", solve=solve_multi_version, spoil=spoil_multi_version, wrong="Bumped."),
    Task("rename_variable", "The scripts in the tools folder use a variable called old_total. "
                            "Rename it to grand_total in all of them.",
         setup_files(TOOLS_PY),
         all_of(*[file_equals(r, t.replace("old_total", "grand_total")) for r, t in TOOLS_PY.items() if r.endswith(".py")],
                unchanged("tools/readme.txt", TOOLS_PY["tools/readme.txt"])),
         kind="multi_edit", half="heldout", solve=solve_rename_var, spoil=spoil_rename_var, wrong="Renamed it."),
    # file_ops
    Task("create_file", f"Create a file named note.txt containing exactly this text: {NOTE}",
         nothing, file_equals("note.txt", NOTE),
         kind="file_ops", half="dev", solve=solve_create_file, wrong="Created note.txt."),
    Task("copy_file", "Make a copy of report.txt named report_backup.txt.",
         setup_copy, check_copy,
         kind="file_ops", half="dev", solve=solve_copy, spoil=spoil_copy, wrong="Copied."),
    Task("rename_bare", "rename draft9 to final9",
         setup_files({"draft9": DRAFT9}), all_of(file_equals("final9", DRAFT9), gone("draft9")),
         kind="file_ops", half="dev", solve=solve_rename, spoil=spoil_rename, wrong="Renamed."),
    Task("nested_folders", "Create the nested folders a/b/c in the workspace (c inside b, b inside a).",
         nothing, check_nested,
         kind="file_ops", half="heldout", solve=solve_nested, spoil=spoil_nested, wrong="Created a/b/c."),
    Task("move_png", "Move the .png files out of inbox into a new folder called images.",
         setup_files(INBOX), check_move_png,
         kind="file_ops", half="heldout", solve=solve_move_png, spoil=spoil_move_png, wrong="Moved them."),
    Task("delete_tmp", "delete all the .tmp files under build, keep everything else",
         setup_files(BUILD), check_delete_tmp,
         kind="file_ops", half="heldout", solve=solve_delete_tmp, spoil=spoil_delete_tmp, wrong="Deleted them."),
    # script
    Task("command_output", "Run the command python3 --version and tell me which version it prints.",
         nothing, check_python_version,
         kind="script", half="dev", solve=solve_python_version, wrong="It prints Python 2.7.18."),
    Task("primes_script", "Write a Python script primes.py that prints the prime numbers below 50, one per line. "
                          "Run it and tell me how many primes it printed.",
         nothing, check_primes,
         kind="script", half="dev", solve=solve_primes, spoil=spoil_primes, wrong="It printed 16 primes."),
    Task("count_script", "make a bash script called count.sh that prints how many .txt files the inbox folder has, "
                         "then run it and tell me the result",
         setup_files(INBOX_TXT), check_count_sh,
         kind="script", half="heldout", solve=solve_count_sh, spoil=spoil_count_sh, wrong="It printed 8."),
    Task("fizzbuzz", "pls write fizzbuzz.py (numbers 1 to 15; Fizz for multiples of 3, Buzz for multiples of 5, "
                     "FizzBuzz for both), run it and tell me the last line it prints",
         nothing, check_fizzbuzz,
         kind="script", half="heldout", solve=solve_fizzbuzz, spoil=spoil_fizzbuzz, wrong="The last line is 15."),
    # sort_merge
    Task("sort_guests", "Sort the names in guests alphabetically and save them to guests_sorted.",
         setup_files({"guests": "\n".join(GUESTS) + "\n"}), file_lines("guests_sorted", sorted(GUESTS)),
         kind="sort_merge", half="dev", solve=solve_sort_guests, spoil=spoil_sort_guests, wrong="Done."),
    Task("merge_parts", "Combine part1.txt and part2.txt into full.txt, part1 first.",
         setup_files({"part1.txt": PART1, "part2.txt": PART2}), file_lines("full.txt", lines_of(PART1 + PART2)),
         kind="sort_merge", half="dev", solve=solve_merge_parts, spoil=spoil_merge_parts, wrong="Done."),
    Task("sort_scores", "ranking.txt should have the lines of scores.txt sorted by score, highest first",
         setup_files({"scores.txt": "".join(f"{n} {s}\n" for n, s in SCORES)}), check_sort_scores,
         kind="sort_merge", half="heldout", solve=solve_sort_scores, spoil=spoil_sort_scores, wrong="Done."),
    Task("merge_emails", "Merge a/emails.txt and b/emails.txt into all_emails.txt: sorted, no duplicates.",
         setup_files({"a/emails.txt": "\n".join(EMAILS_A) + "\n", "b/emails.txt": "\n".join(EMAILS_B) + "\n"}),
         file_lines("all_emails.txt", sorted(set(EMAILS_A) | set(EMAILS_B))),
         kind="sort_merge", half="heldout", solve=solve_merge_emails, spoil=spoil_merge_emails, wrong="Merged."),
    # logs
    Task("log_errors", "How many ERROR lines are there in app.log?",
         setup_files({"app.log": APP_LOG}), answer_number(sum(1 for l in APP_LOG.splitlines() if " ERROR " in l)),
         kind="logs", half="dev", solve=solve_log_errors, wrong="There are 8 ERROR lines."),
    Task("log_ip", "which IP address shows up most often in access.log",
         setup_files({"access.log": access_log(ACCESS)}), answer_names(["10.0.0.7"]),
         kind="logs", half="dev", solve=solve_log_ip, wrong="10.0.0.71 shows up most often."),
    Task("log_404", "count the 404s in logs/web.log",
         setup_files({"logs/web.log": web_log()}), answer_number(sum(1 for _, s in WEB_LOG if s == 404)),
         kind="logs", half="heldout", solve=solve_log_404, wrong="There are 6 404s."),
    Task("log_first_error", "In service_log, at what time did the first ERROR happen?",
         setup_files({"service_log": SERVICE_LOG}), check_first_error,
         kind="logs", half="heldout", solve=solve_first_error, wrong="The first ERROR was at 09:02:47."),
    # listing
    Task("listing", "Write the names of the files in the folder docs into a new file named listing.txt, one name per line.",
         setup_listing, check_listing,
         kind="listing", half="dev", solve=solve_listing, spoil=spoil_listing, wrong="Done."),
    Task("listing_csv", "put the names of all the .csv files in data into csv_files.txt, one per line",
         setup_files(DATA), listing_exactly("csv_files.txt", "data", ["jan.csv", "feb.csv", "mar.csv"]),
         kind="listing", half="dev", solve=solve_listing_csv, spoil=spoil_listing_csv, wrong="Done."),
    Task("listing_folders", "Write the names of the folders inside projects to a file called folders, one per line.",
         setup_files(PROJECTS), listing_exactly("folders", "projects", ["alpha", "beta2", "gamma"]),
         kind="listing", half="heldout", solve=solve_listing_folders, spoil=spoil_listing_folders, wrong="Done."),
    Task("listing_py", "List every .py file under src (subfolders too) into py_files.txt, with paths relative to src.",
         setup_files(SRC_PY), listing_exactly("py_files.txt", "src", PY_UNDER_SRC),
         kind="listing", half="heldout", solve=solve_listing_py, spoil=spoil_listing_py, wrong="Done."),
]


def selected(pattern, half="both"):
    """The tasks whose name contains any of the comma-separated substrings in `pattern` (all if empty),
    of the half asked for ("dev", "heldout" or "both")."""
    chosen = [task for task in TASKS if half in ("both", "", None) or task.half == half]
    if not pattern:
        return chosen
    parts = [part.strip() for part in pattern.split(",") if part.strip()]
    return [task for task in chosen if any(part in task.name for part in parts)]
