"""The dashboard's speed in a real browser (Debian's Chromium, headless, driven by Selenium).

A `nexus serve` on loopback with a fresh home, an owner key and RUNS runs written straight into
its database. After one warm-up load, LOADS fresh navigations to the root URL give the first
contentful paint, the navigation timing and the moment the Overview is ready (signed in). Then the
Runs view: its first page (five loads), PAGES clicks of its "Show older" control, and a scroll to
the bottom, with a PerformanceObserver for long tasks in place from each document's start.

Targets: median first contentful paint < 300 ms; no long task over 200 ms, and the first page and
every added page of runs shown within 1 s. The rows shown must be exactly the runs the API pages
out, none twice. Prints the figures and "target met" or "target missed" (exit status 1).

bench/dashboard.sh runs it with the tests' venv; see there for the options.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

# The browser set-up the dashboard's tests use (tests/python/headless_chromium.py).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "python"))
import headless_chromium  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
ASSETS = REPO / "Sources" / "NexusServer" / "Dashboard" / "Assets"
# The most rows the dashboard's tables keep (pagedTable's `keep` in dom.js).
TABLE_KEEP = 500
PAGE = 50            # rows per page of the Runs view
FIRST_PAINT_MS = 300
LONG_TASK_MS = 200
PAGE_MS = 1000
RUNS_LOADS = 5       # loads of the Runs view's first page
WAIT = 30            # seconds, the longest a single wait may take

# Installed before any of the page's own scripts in every document of the tab: the long tasks and
# when each view first reached a settled state, timed in the page rather than by polling it.
PROBE = """
window.__bench = {longTasks: [], frames: [], settled: {}, marks: [['loading the page', 0]]};
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__bench.longTasks.push({start: entry.startTime, ms: entry.duration});
  }).observe({type: 'longtask', buffered: true});
} catch (error) { window.__bench.noLongTasks = String(error); }
// Long animation frames also count the style and layout a task leaves for the frame; reported, not judged.
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__bench.frames.push({start: entry.startTime, ms: entry.duration});
  }).observe({type: 'long-animation-frame', buffered: true});
} catch (error) { /* an older browser: the long tasks still say it */ }
new MutationObserver((changes) => {
  for (const change of changes) {
    const node = change.target;
    const state = node.dataset && node.dataset.state;
    if (node.dataset && node.dataset.view && state && state !== 'loading' && !(node.dataset.view in window.__bench.settled)) {
      window.__bench.settled[node.dataset.view] = {state, at: performance.now()};
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-state']});
"""

# Defines rowsShown(wantId, since, done): calls done with the milliseconds since `since` (a
# performance.now() value) once the last `main tr[data-run]` is run `wantId` and a frame has been
# drawn with it, or with null after 30 s. The last row, not a count: the table keeps a window of
# rows, dropping the oldest from its top as pages are added.
ROWS_SHOWN = """
function rowsShown(wantId, since, done) {
  const reached = () => { const rows = document.querySelectorAll('main tr[data-run]'); return rows.length > 0 && rows[rows.length - 1].dataset.run === wantId; };
  const painted = () => requestAnimationFrame(() => setTimeout(() => done(performance.now() - since), 0));
  if (reached()) { painted(); return; }
  const watcher = new MutationObserver(() => {
    if (reached()) { watcher.disconnect(); clearTimeout(timer); painted(); }
  });
  const timer = setTimeout(() => { watcher.disconnect(); done(null); }, 30000);
  watcher.observe(document.querySelector('main'), {childList: true, subtree: true});
}
"""

# The first page, timed from the navigation's start (time 0 of the document).
FIRST_PAGE = ROWS_SHOWN + "rowsShown(arguments[0], 0, arguments[arguments.length - 1]);"

# Clicks the Runs view's "Show older" control and times it until the older rows are shown.
SHOW_OLDER = ROWS_SHOWN + """
const [want, done] = [arguments[0], arguments[arguments.length - 1]];
const button = document.querySelector('main [data-control="more"]');
if (!button || button.textContent.trim() !== 'Show older') {
  done(`no "Show older" control, but: ${button ? button.textContent : 'nothing'}`);
} else {
  window.__bench.marks.push([`an older page (to run ${want})`, performance.now()]);
  const since = performance.now();
  button.click();
  rowsShown(want, since, done);
}
"""


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nexus", required=True, help="the nexus binary")
    parser.add_argument("--runs", type=int, default=10000, help="runs written into the database (default 10000)")
    parser.add_argument("--loads", type=int, default=15, help="fresh loads for the first paint (default 15)")
    parser.add_argument("--pages", type=int, default=20, help='clicks of "Show older" (default 20)')
    parser.add_argument("--assets", help="serve the page's files from this folder (NEXUS_DASHBOARD_DIR), not the binary's")
    parser.add_argument("--keep", action="store_true", help="keep the server's home and log")
    arguments = parser.parse_args()
    for name in ("runs", "loads", "pages"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name} must be a positive number")
    return arguments


# ─── The server ───────────────────────────────────────────────────────────────────────────────

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, nexus: str, assets: str | None):
        self.nexus = nexus
        self.home = pathlib.Path(tempfile.mkdtemp(prefix="nexus-dashboard-bench-"))
        self.env = {key: value for key, value in os.environ.items() if key not in ("LD_LIBRARY_PATH", "NEXUS_DASHBOARD_DIR")}
        self.env["NEXUS_HOME"] = str(self.home)
        if assets:
            self.env["NEXUS_DASHBOARD_DIR"] = str(pathlib.Path(assets).resolve())
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = self.home / "serve.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        with open(self.log, "wb") as output:
            self.process = subprocess.Popen([self.nexus, "serve", "--host", "127.0.0.1", "--port", port, "--log-level", "warning"],
                                            env=self.env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"nexus serve did not come up on {self.url}:\n{self.log.read_text(errors='replace')[-2000:]}")

    def cli(self, *arguments: str) -> str:
        done = subprocess.run([self.nexus, *arguments], env=self.env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"nexus {' '.join(arguments)}: {done.stdout}{done.stderr}")
        return done.stdout

    def get(self, path: str, key: str | None = None, accept: str = "application/json") -> bytes:
        headers = {"Accept": accept, **({"Authorization": f"Bearer {key}"} if key else {})}
        with urllib.request.urlopen(urllib.request.Request(self.url + path, headers=headers), timeout=WAIT) as response:
            return response.read()

    def stop(self, keep: bool) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if keep:
            print(f"server home and log kept in {self.home}", file=sys.stderr)
        else:
            shutil.rmtree(self.home, ignore_errors=True)


# ─── Seeding ──────────────────────────────────────────────────────────────────────────────────

TASKS = ["Count the lines of {f} and write the count into count.txt", "Copy {f} to backup/{f}",
         "Rename {f} to old-{f}", "Read {f} and tell me its first word", "Append a line 'done' to {f}",
         "Replace every 'alpha' with 'beta' in {f}", "Make a folder named box{n} and list it",
         "Summarise the notes in {f} in three sentences, keeping the names of everyone mentioned and the dates they gave"]
MODELS = ["qwen2.5-coder:0.5b", "smollm2", "llama3.2:1b"]
STATUSES = ["completed"] * 14 + ["failed"] * 3 + ["cancelled"] * 2 + ["budget_exhausted"]
MODES = ["learner"] * 6 + ["follower"] * 3 + ["mixed"] * 2 + ["crystallized"] * 2 + ["taught"]
ALPHABET = string.ascii_lowercase + string.digits


def seed_runs(database: pathlib.Path, count: int) -> None:
    """Writes `count` finished runs, spread over the last 30 days, in one transaction."""
    rng = random.Random(7)
    now = time.time()
    connection = sqlite3.connect(database, timeout=30)
    try:
        columns = {row[1]: row for row in connection.execute("PRAGMA table_info(runs)")}
        rows, ids = [], set()
        while len(rows) < count:
            run_id = "run_" + "".join(rng.choice(ALPHABET) for _ in range(12))
            if run_id in ids:
                continue
            ids.add(run_id)
            file = f"notes{rng.randrange(100)}.txt"
            created = now - rng.uniform(60, 30 * 86400)
            status = rng.choice(STATUSES)
            mode = rng.choice(MODES)
            model_free = mode in ("follower", "crystallized")
            prompt = 0 if model_free else rng.randrange(200, 9000)
            values = {
                "id": run_id, "task": rng.choice(TASKS).format(f=file, n=rng.randrange(50)), "model": rng.choice(MODELS),
                "workspace": f"/tmp/nexus-workspaces/{run_id}", "status": status, "policy": "{}", "state": "{}",
                "answer": "Done." if status == "completed" else None,
                "outcome": ("success" if rng.random() < 0.85 else "failure") if status == "completed" else "unknown",
                "outcome_source": "model" if status == "completed" else None,
                "created_at": created, "updated_at": created + rng.uniform(0.05, 120),
                "prompt_tokens": prompt, "completion_tokens": 0 if model_free else rng.randrange(20, 600),
                "mode": mode, "confidence": round(rng.uniform(0.5, 1), 2) if mode != "learner" else 0,
                "followed_run_id": None, "module": None, "dispatch_reason": "", "owner_key_id": None,
                "failure": "the backend failed" if status == "failed" else None, "org": "default",
            }
            # A column this list does not know must have a default, or the schema moved on without the bench.
            missing = [name for name, (_, _, _, not_null, default, _) in columns.items()
                       if name not in values and not_null and default is None]
            if missing:
                raise RuntimeError(f"the runs table has columns the bench does not fill: {missing}")
            rows.append({name: value for name, value in values.items() if name in columns})
        names = list(rows[0])
        with connection:
            connection.executemany(f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                                   [tuple(row[name] for name in names) for row in rows])
    finally:
        connection.close()


def api_ids(server: Server, key: str, pages: int) -> list[str]:
    """The ids of the first `pages` pages of GET v1/agent/runs, as the Runs view asks for them."""
    ids, before = [], None
    for _ in range(pages):
        page = json.loads(server.get(f"/v1/agent/runs?limit={PAGE}" + (f"&before={before}" if before else ""), key))
        ids += [run["id"] for run in page["data"]]
        before = page["last_id"]
        if not page["has_more"]:
            break
    return ids


# ─── The browser ──────────────────────────────────────────────────────────────────────────────

def open_browser() -> webdriver.Chrome:
    driver = headless_chromium.start(WAIT)
    driver.set_script_timeout(WAIT + 5)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
    return driver


def wait(driver, condition, message: str):
    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(condition)
    except TimeoutException:
        raise RuntimeError(f"{message} (after {WAIT} s) at {driver.current_url}") from None


def fresh_load(driver, url: str) -> None:
    """A new document: about:blank first, so that a load of the same URL is never a hash change."""
    driver.get("about:blank")
    driver.get(url)


def settled(driver, view: str) -> dict:
    found = wait(driver, lambda d: d.execute_script("return window.__bench && window.__bench.settled[arguments[0]]", view),
                 f"the {view} view did not settle")
    if found["state"] != "ready":
        raise RuntimeError(f"the {view} view settled as {found['state']}: {driver.execute_script('return document.body.innerText')[:500]}")
    return found


def sign_in(driver, server: Server, secret: str) -> None:
    fresh_load(driver, server.url + "/")
    wait(driver, lambda d: d.execute_script("return document.getElementById('who-text').textContent.trim()"), "the page never said who is signed in")
    driver.execute_script("""
      if (document.getElementById('sign-in-panel').hidden) document.getElementById('show-sign-in').click();
      document.getElementById('sign-in-key').value = arguments[0];
      document.querySelector('[data-action="sign-in"]').click();""", secret)
    wait(driver, lambda d: d.execute_script("return !document.getElementById('sign-out').hidden"), "signing in did not finish")


def page_problems(driver) -> list[str]:
    """Uncaught errors and policy refusals in the console, and errors the page shows in a toast."""
    problems = [entry["message"] for entry in driver.get_log("browser")
                if entry["level"] == "SEVERE" and ("Content Security Policy" in entry["message"] or "Uncaught" in entry["message"])]
    return problems + driver.execute_script("return [...document.querySelectorAll('#toasts .toast-error')].map((n) => n.textContent)")


def measure_first_paint(driver, server: Server, loads: int) -> list[dict]:
    samples = []
    for _ in range(loads):
        fresh_load(driver, server.url + "/")
        ready = settled(driver, "overview")["at"]
        timing = driver.execute_script("""
          const navigation = performance.getEntriesByType('navigation')[0];
          const paint = performance.getEntriesByType('paint').find((entry) => entry.name === 'first-contentful-paint');
          return {fcp: paint ? paint.startTime : null, response: navigation.responseEnd, dcl: navigation.domContentLoadedEventEnd,
                  who: document.getElementById('who-text').textContent,
                  longest: Math.max(0, ...window.__bench.longTasks.map((task) => task.ms))};""")
        if timing["fcp"] is None:
            raise RuntimeError("the browser reported no first-contentful-paint entry")
        if "bench" not in timing["who"]:
            raise RuntimeError(f"the page is not signed in with the bench key: {timing['who']!r}")
        timing["ready"] = ready
        samples.append(timing)
    return samples


def long_tasks(driver) -> tuple[list[dict], list[dict]]:
    """This document's long tasks and long animation frames, each with the phase (a mark) it started in."""
    bench = driver.execute_script("return window.__bench")
    if bench.get("noLongTasks"):
        raise RuntimeError(f"this browser does not report long tasks: {bench['noLongTasks']}")
    marks = bench["marks"]
    for entry in bench["longTasks"] + bench["frames"]:
        entry["phase"] = [name for name, start in marks if start <= entry["start"] + 0.5][-1]
    return bench["longTasks"], bench["frames"]


def measure_runs(driver, server: Server, pages: int, expected_ids: list[str]) -> dict:
    """Times the first page over RUNS_LOADS loads; the last load goes on to `pages` older pages
    (until every one of `expected_ids` was shown) and a scroll to the end."""
    expected = len(expected_ids)
    first, tasks, frames = [], [], []
    for load in range(RUNS_LOADS):
        fresh_load(driver, server.url + "/#/runs")
        shown = driver.execute_async_script(FIRST_PAGE, expected_ids[min(PAGE, expected) - 1])
        if shown is None:
            raise RuntimeError("the Runs view never showed its first page")
        first.append(shown)
        settled(driver, "runs")
        if load < RUNS_LOADS - 1:
            time.sleep(0.2)  # a long task's entry is reported a moment after it ends
            seen = long_tasks(driver)
            tasks, frames = tasks + seen[0], frames + seen[1]
    added, broken = [], None
    for page in range(2, pages + 2):
        want = min(page * PAGE, expected)
        if want <= (page - 1) * PAGE:
            break
        shown = driver.execute_async_script(SHOW_OLDER, expected_ids[want - 1])
        if not isinstance(shown, (int, float)):
            # The page went wrong rather than slow: a missed target, and the rows are compared all the same.
            broken = f"paging stopped at page {page}: {shown or 'its rows did not appear within 30 s'}"
            break
        added.append(shown)
    scroll = driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      window.__bench.marks.push(['the scroll to the bottom', performance.now()]);
      const since = performance.now();
      window.scrollTo(0, document.documentElement.scrollHeight);
      requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - since)));""")
    time.sleep(0.3)
    seen = long_tasks(driver)
    tasks, frames = tasks + seen[0], frames + seen[1]
    ids = driver.execute_script("return [...document.querySelectorAll('main tr[data-run]')].map((row) => row.dataset.run)")
    at_bottom = driver.execute_script("return Math.abs(window.scrollY + innerHeight - document.documentElement.scrollHeight) <= 2")
    return {"first": first, "added": added, "scroll": scroll, "tasks": tasks, "frames": frames, "ids": ids, "at_bottom": at_bottom, "broken": broken}


# ─── Report ───────────────────────────────────────────────────────────────────────────────────

def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.9 * len(ordered)) - 1))]


def row(label: str, values: list[float]) -> str:
    return f"  {label:<34} {statistics.median(values):>8.0f} {p90(values):>8.0f} {max(values):>8.0f}   (n={len(values)})"


def main() -> int:
    arguments = parse_arguments()
    for path in (headless_chromium.CHROMIUM, headless_chromium.CHROMEDRIVER):
        if not path.exists():
            print(f"bench: {path} is missing; install Debian's chromium and chromium-driver", file=sys.stderr)
            return 2
    server = Server(arguments.nexus, arguments.assets)
    driver = None
    try:
        started = time.monotonic()
        server.start()
        key = json.loads(server.cli("keys", "create", "--role", "owner", "--name", "bench", "--json"))["secret"]
        seed_runs(server.home / "nexus.db", arguments.runs)
        pages = min(arguments.pages + 1, -(-arguments.runs // PAGE))
        expected_ids = api_ids(server, key, pages)
        source = f"files from {arguments.assets}" if arguments.assets else "the binary's embedded files"
        print(f"==> {server.url}, {arguments.runs} runs, {source}; seeded in {time.monotonic() - started:.1f} s", file=sys.stderr)

        # Warm: the server has served every file and the runs query once before anything is timed.
        server.get("/", accept="text/html")
        for name in sorted(path.name for path in ASSETS.iterdir()):
            server.get(f"/ui/{name}", accept="*/*")
        driver = open_browser()
        sign_in(driver, server, key)
        settled(driver, "overview")
        fresh_load(driver, server.url + "/#/runs")
        settled(driver, "runs")

        paint = measure_first_paint(driver, server, arguments.loads)
        runs = measure_runs(driver, server, arguments.pages, expected_ids)
        problems = page_problems(driver)
    except (RuntimeError, OSError) as error:
        # Could not measure: not a missed target.
        print(f"bench: {error}", file=sys.stderr)
        return 2
    finally:
        if driver is not None:
            driver.quit()
        server.stop(arguments.keep)

    fcp = [sample["fcp"] for sample in paint]
    print(f"\nDashboard, {len(paint)} fresh loads of / (ms from navigation start)   median      p90      max")
    print(row("response end", [sample["response"] for sample in paint]))
    print(row("DOMContentLoaded end", [sample["dcl"] for sample in paint]))
    print(row("first contentful paint", fcp))
    print(row("Overview ready (signed in)", [sample["ready"] for sample in paint]))
    print(row("longest long task (0: none)", [sample["longest"] for sample in paint]))
    print(f"\nRuns view, {arguments.runs} runs in the database                          median      p90      max")
    print(row("first page shown (from navigation)", runs["first"]))
    if runs["added"]:
        print(row('"Show older" to its rows shown', runs["added"]))
    print(f"  {'scroll to the bottom, 2 frames':<34} {runs['scroll']:>8.0f}")
    worst = max(runs["tasks"], key=lambda task: task["ms"], default=None)
    frozen = [task for task in runs["tasks"] if task["ms"] > LONG_TASK_MS]
    print(f"  rows shown: {len(runs['ids'])}, distinct: {len(set(runs['ids']))}; long tasks: {len(runs['tasks'])}, "
          f"over {LONG_TASK_MS} ms: {len(frozen)}, longest: " + (f"{worst['ms']:.0f} ms ({worst['phase']})" if worst else "none"))
    frame = max(runs["frames"], key=lambda entry: entry["ms"], default=None)
    print("  longest animation frame: " + (f"{frame['ms']:.0f} ms ({frame['phase']})" if frame else "none over 50 ms"))
    phases: dict[str, list[float]] = {}
    for task in frozen:
        phases.setdefault(task["phase"], []).append(task["ms"])
    for phase, lengths in phases.items():
        print(f"    over {LONG_TASK_MS} ms in {phase}: {len(lengths)}, longest {max(lengths):.0f} ms")

    missed = []
    if statistics.median(fcp) >= FIRST_PAINT_MS:
        missed.append(f"median first contentful paint {statistics.median(fcp):.0f} ms ≥ {FIRST_PAINT_MS} ms")
    if frozen:
        missed.append(f"{len(frozen)} long task(s) over {LONG_TASK_MS} ms (longest {worst['ms']:.0f} ms)")
    slow = [value for value in runs["first"] + runs["added"] if value >= PAGE_MS]
    if slow:
        missed.append(f"{len(slow)} page(s) of runs took ≥ {PAGE_MS} ms (slowest {max(slow):.0f} ms)")
    if runs["broken"]:
        missed.append(runs["broken"])
    # The table keeps a window of rows: what it shows must be the newest-last stretch of what the
    # API paged out, ending with the last run, each once.
    shown = runs["ids"]
    if not shown or shown != expected_ids[-len(shown):] or len(shown) > TABLE_KEEP + PAGE:
        duplicates = len(shown) - len(set(shown))
        missed.append(f"the rows are not the runs the API pages out ({len(shown)} shown, the last {len(shown)} of {len(expected_ids)} "
                      f"expected, at most {TABLE_KEEP + PAGE} kept; {duplicates} shown twice)")
    if not runs["at_bottom"]:
        missed.append("the scroll did not reach the bottom of the page")
    if problems:
        missed.append(f"the page reported problems: {problems[:3]}")
    print()
    if missed:
        print("target missed: " + "; ".join(missed))
        return 1
    print(f"target met: median first contentful paint {statistics.median(fcp):.0f} ms < {FIRST_PAINT_MS} ms; "
          f"{len(expected_ids)} runs paged ({len(runs['ids'])} kept in the table) with no long task over {LONG_TASK_MS} ms, every page within {PAGE_MS} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
