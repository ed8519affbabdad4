"""The dashboard in a real browser: Debian's Chromium, headless, driven by Selenium.

One server with keys (made with the CLI) and a module waiting for approval (a scripted run
crystallized under `approval-mode required`). The owner signs in and opens every view; starts a
run and sees its steps arrive live; cancels a run and finds it in the filtered audit log; sees the
runs metered in Usage; approves the module; makes and revokes a key; pulls a model with progress
and deletes one. A viewer then signs in and finds no acting control anywhere. The page must never
trip its own Content-Security-Policy or show an error, and fits a 390 px phone without sideways
scrolling.

Screenshots of each view go to $NEXUS_SCREENSHOTS (default: a new temporary folder, printed).
Skipped when selenium, /usr/bin/chromium or /usr/bin/chromedriver is missing.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest


pytest.importorskip("selenium.webdriver", reason="selenium is not installed (tests/python/requirements.txt pins it)")
import headless_chromium  # noqa: E402

if not headless_chromium.CHROMIUM.exists() or not headless_chromium.CHROMEDRIVER.exists():
    pytest.skip("the dashboard test needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
                allow_module_level=True)

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from conftest import MODELS_HOME, NEXUS_BIN, REPO, SMALL, start_server, stop_server  # noqa: E402

WAIT = 30  # seconds, the longest any single wait may take
# The server reads the page's files from the tree on every request, so the test checks the files
# as they are here, whenever the binary was built.
ASSETS = REPO / "Sources" / "NexusServer" / "Dashboard" / "Assets"
VIEWS = ["overview", "runs", "learning", "modules", "models", "usage", "keys", "audit"]
COUNT_TASK = "Count the lines of a0.txt and write the count into count.txt"
# What one test leaves for a later one (the run it started).
SHARED: dict[str, str] = {}


def cli(home: pathlib.Path, *arguments: str, cwd: pathlib.Path | None = None) -> str:
    env = {key: value for key, value in os.environ.items() if key != "LD_LIBRARY_PATH"}
    env["NEXUS_HOME"] = str(home)
    done = subprocess.run([str(NEXUS_BIN), *arguments], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"nexus {' '.join(arguments)}: {done.stdout}{done.stderr}"
    return done.stdout


def tool_call(name: str, arguments: dict) -> str:
    return f'<tool_call>\n{json.dumps({"name": name, "arguments": arguments})}\n</tool_call>'


def http(server, path: str, key: str | None = None, method: str = "GET", body: dict | None = None, accept: str = "application/json"):
    """(status, headers, text) of a plain request, for checking what the page did."""
    headers = {"Accept": accept}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(server.url + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def make_waiting_module(home: pathlib.Path, scratch: pathlib.Path) -> str:
    """A module HOPE compiled from a scripted run, held for approval; returns its NAME@VERSION."""
    cli(home, "modules", "approval-mode", "required")
    workspace = scratch / "count-ws"
    workspace.mkdir()
    (workspace / "a0.txt").write_text("line 0\nline 1\n")
    (workspace / "count.txt").write_text("1\n")
    script = scratch / "count-script.json"
    script.write_text(json.dumps({"responses": [
        tool_call("filesystem_read", {"path": "a0.txt"}), tool_call("filesystem_read", {"path": "count.txt"}),
        tool_call("filesystem_write", {"path": "count.txt", "content": "2\n"}), "a0.txt has 2 lines."]}))
    run = json.loads(cli(home, "run", "--model", f"script:{script}", "--json", "--no-program-first", "--no-look-ahead",
                         "--offer", "all", "--workspace", str(workspace), COUNT_TASK))
    assert run["status"] == "completed" and run["outcome"] == "success", run
    made = json.loads(cli(home, "crystallize", run["id"], "--no-model", "--json"))
    assert made and made[0].get("awaiting_approval"), made
    return made[0]["module"]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    server = start_server("dashboard", [SMALL], {"NEXUS_DASHBOARD_DIR": str(ASSETS)})
    scratch = tmp_path_factory.mktemp("dashboard")
    keys = {role: json.loads(cli(server.home, "keys", "create", "--role", role, "--name", f"dash-{role}", "--json"))
            for role in ("owner", "viewer")}
    waiting = make_waiting_module(server.home, scratch)
    yield server, keys, waiting
    assert server.alive(), f"the server died during the dashboard tests:\n{server.log_tail()}"
    stop_server(server)


@pytest.fixture(scope="module")
def shots() -> pathlib.Path:
    folder = pathlib.Path(os.environ.get("NEXUS_SCREENSHOTS") or tempfile.mkdtemp(prefix="nexus-dashboard-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\ndashboard screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium.start(WAIT)
    yield driver
    driver.quit()


# ─── Helpers ──────────────────────────────────────────────────────────────────────────────────

def wait(driver, condition, message: str, seconds: float = WAIT):
    try:
        # A re-rendered element goes stale between finding and reading it: look again.
        return WebDriverWait(driver, seconds, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException]).until(condition)
    except TimeoutException:
        raise AssertionError(f"{message} (after {seconds} s); page: {driver.current_url}\n{visible_text(driver)[:1500]}") from None


def visible_text(driver) -> str:
    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except Exception:  # noqa: BLE001 - only for a failure message
        return ""


def page_problems(driver) -> list[str]:
    """What says the page broke: a CSP refusal or an uncaught exception in the console, or an
    error the page itself is showing in a toast."""
    entries = driver.get_log("browser")
    problems = [entry["message"] for entry in entries
                if entry["level"] == "SEVERE" and ("Content Security Policy" in entry["message"] or "Uncaught" in entry["message"])]
    return problems + [toast.text for toast in driver.find_elements(By.CSS_SELECTOR, "#toasts .toast-error")]


def open_view(driver, server, route: str, allowed=("ready", "empty")):
    """Goes to #/ROUTE and waits until its view settles; returns the view's root."""
    view = "run" if route.startswith("runs/") else "module" if route.startswith("modules/") else route.split("?")[0]
    driver.get(f"{server.url}/#/{route}")
    selector = f'main [data-view="{view}"]'

    def settled(d):
        roots = d.find_elements(By.CSS_SELECTOR, selector)
        return roots[0] if roots and roots[0].get_attribute("data-state") not in (None, "loading") else False

    root = wait(driver, settled, f"the {view} view did not settle")
    state = root.get_attribute("data-state")
    assert state in allowed, f"the {view} view is {state}: {root.text[:800]}"
    return root


def shoot(driver, shots: pathlib.Path, name: str):
    """A screenshot of the whole page: the window grows to the page's height for it."""
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    full = driver.execute_script("return Math.min(4000, document.documentElement.scrollHeight)")
    driver.set_window_size(width, max(height, full + 140))
    time.sleep(0.2)
    driver.save_screenshot(str(shots / f"{name}.png"))
    driver.set_window_size(width, height)


def click(driver, selector: str, within: str = "main"):
    """Clicks the first element matching `selector`, finding it again if the page re-rendered it."""
    def clicked(d):
        try:
            found = d.find_elements(By.CSS_SELECTOR, f"{within} {selector}")
            if not found or not found[0].is_displayed() or not found[0].is_enabled():
                return False
            found[0].click()
            return True
        except StaleElementReferenceException:
            return False
    wait(driver, clicked, f"could not click {selector}")


def displayed_actions(driver) -> list[str]:
    return sorted(element.get_attribute("data-action") for element in driver.find_elements(By.CSS_SELECTOR, "[data-action]")
                  if element.is_displayed())


def sign_in(driver, server, secret: str):
    driver.get(f"{server.url}/#/overview")
    wait(driver, lambda d: d.find_element(By.ID, "who-text").text.strip(), "the page did not say who is signed in")
    sign_out = driver.find_element(By.ID, "sign-out")
    if sign_out.is_displayed():
        sign_out.click()
        wait(driver, lambda d: not d.find_element(By.ID, "sign-out").is_displayed(), "signing out did not finish")
    if not driver.find_element(By.ID, "sign-in-panel").is_displayed():
        driver.find_element(By.ID, "show-sign-in").click()
    field = driver.find_element(By.ID, "sign-in-key")
    field.clear()
    field.send_keys(secret)
    driver.find_element(By.CSS_SELECTOR, '[data-action="sign-in"]').click()
    wait(driver, lambda d: d.find_element(By.ID, "sign-out").is_displayed(), "signing in did not finish")


def signed_in_as(driver, server, key: dict):
    """Signs in with `key` unless the page is already signed in with it (each test may run alone)."""
    driver.get(f"{server.url}/#/overview")
    wait(driver, lambda d: d.find_element(By.ID, "who-text").text.strip(), "the page did not say who is signed in")
    if driver.execute_script("return sessionStorage.getItem('nexus.key')") != key["secret"]:
        sign_in(driver, server, key["secret"])


def start_run(driver, server, task: str, **fields) -> str:
    """Starts a run from the Runs page's form; returns its id once its page is open."""
    open_view(driver, server, "runs?start=1")
    form = driver.find_element(By.CSS_SELECTOR, 'form[data-form="start-run"]')
    form.find_element(By.NAME, "task").send_keys(task)
    for name, value in fields.items():
        form.find_element(By.NAME, name).send_keys(str(value))
    click(driver, '[data-action="start-run"]')
    wait(driver, lambda d: "#/runs/run_" in d.current_url, "the started run's page did not open")
    run_id = driver.current_url.split("#/runs/")[1]
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-view="run"][data-state="ready"]'), "the run page did not load")
    return run_id


def run_status(server, key: str, run_id: str) -> str:
    status, _, text = http(server, f"/v1/agent/runs/{run_id}", key)
    assert status == 200, text
    return json.loads(text)["status"]


# ─── Tests, in the order a person would go ────────────────────────────────────────────────────

def test_the_page_is_served_with_its_policy_and_clients_still_get_the_liveness_text(dashboard):
    server, _, _ = dashboard
    status, headers, text = http(server, "/", accept="text/html")
    assert status == 200 and '<script type="module" src="ui/app.js">' in text
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert http(server, "/", accept="*/*")[2] == "Nexus is running"
    for name in ("app.js", "api.js", "sse.js", "dom.js", "charts.js", "app.css", "views-overview.js", "views-runs.js",
                 "views-modules.js", "views-models.js", "views-admin.js"):
        status, headers, _ = http(server, f"/ui/{name}", accept="*/*")
        assert status == 200, f"/ui/{name} answered {status}"


def test_signed_out_on_loopback_the_page_reads_without_a_key(dashboard, browser, shots):
    server, _, _ = dashboard
    open_view(browser, server, "overview")
    assert "Not signed in" in browser.find_element(By.ID, "who-text").text
    assert browser.find_element(By.ID, "show-sign-in").is_displayed()
    shoot(browser, shots, "00-signed-out-overview")
    # A wrong key is refused in words and forgotten.
    browser.find_element(By.ID, "show-sign-in").click()
    browser.find_element(By.ID, "sign-in-key").send_keys("nxk_not-a-real-key")
    browser.find_element(By.CSS_SELECTOR, '[data-action="sign-in"]').click()
    wait(browser, lambda d: d.find_element(By.ID, "sign-in-error").is_displayed(), "a wrong key was not refused")
    assert "not accepted" in browser.find_element(By.ID, "sign-in-error").text
    assert browser.execute_script("return sessionStorage.getItem('nexus.key')") is None
    assert page_problems(browser) == []


def test_the_owner_opens_every_view(dashboard, browser, shots):
    server, keys, _ = dashboard
    sign_in(browser, server, keys["owner"]["secret"])
    assert "dash-owner" in browser.find_element(By.ID, "who-text").text
    # The key is kept for the tab only, never where it would outlive it or travel by itself.
    assert browser.execute_script("return sessionStorage.getItem('nexus.key')") == keys["owner"]["secret"]
    assert browser.execute_script("return localStorage.length") == 0 and browser.get_cookies() == []
    for index, view in enumerate(VIEWS, start=1):
        open_view(browser, server, view)
        shoot(browser, shots, f"{index:02d}-{view}")
    assert page_problems(browser) == []


def test_a_started_run_streams_its_steps_live(dashboard, browser, shots):
    server, keys, _ = dashboard
    signed_in_as(browser, server, keys["owner"])
    # The look-ahead reads a file the task names before the model's first turn: a step that
    # does not depend on what a 135M model writes.
    workspace = server.home / "workspaces" / keys["owner"]["id"] / "dash-ws"
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "notes.txt").write_text("Nexus dashboards are read by people.\n")
    run_id = start_run(browser, server, "Read notes.txt and tell me its first word.", workspace="dash-ws", max_steps=3)
    step = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-view="run"] [data-step]'), "no step row appeared")[0]
    assert "filesystem_read" in step.text
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "main [data-step]").get_attribute("data-status") != "running",
         "the step never got its result")
    assert "Nexus dashboards" in browser.find_element(By.CSS_SELECTOR, "main [data-step]").text
    shoot(browser, shots, "20-run-live")
    # The context viewer shows what the model saw: its system prompt and the task.
    browser.find_element(By.CSS_SELECTOR, "main [data-context] > summary").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-context] [data-role="system"]'), "the context shows no system prompt")
    context = browser.find_element(By.CSS_SELECTOR, "main [data-context]").text
    assert "Read notes.txt and tell me its first word." in context
    assert "filesystem_read" in browser.find_element(By.CSS_SELECTOR, "main [data-context] [data-tools]").text
    # The schemas it was offered, and (once its first model turn is over: the context is read
    # again when the run ends) what each turn showed.
    schema = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-context] [data-schema="filesystem_read"]'),
                  "the context shows no tool schema")[0].get_attribute("textContent")
    assert '"path"' in schema, schema
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-context] [data-turn]'), "the context shows no model turn")
    click(browser, "[data-context] [data-schemas] > summary")
    shoot(browser, shots, "21-run-context")
    SHARED["run_id"] = run_id
    assert page_problems(browser) == []


def test_an_operator_cancels_a_run(dashboard, browser, shots):
    server, keys, _ = dashboard
    signed_in_as(browser, server, keys["owner"])
    run_id = SHARED.get("run_id")
    if not run_id or run_status(server, keys["owner"]["secret"], run_id) != "running":
        # The first run ended already: start one that the model takes a while over.
        run_id = start_run(browser, server, "Write a long poem about the sea into poem.txt, one stanza per step.", max_steps=20)
    browser.get(f"{server.url}/#/runs/{run_id}")
    click(browser, '[data-action="cancel-run"]')
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and run_status(server, keys["owner"]["secret"], run_id) == "running":
        time.sleep(0.3)
    assert run_status(server, keys["owner"]["secret"], run_id) == "cancelled"
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-action="cancel-run"]'), "the cancel button stayed after the run ended")
    wait(browser, lambda d: "cancelled" in d.find_element(By.CSS_SELECTOR, 'main [data-view="run"] .facts').text,
         "the page did not show the run as cancelled")
    shoot(browser, shots, "21-run-cancelled")
    # An ended run can be judged: marked bad, it is recorded a failure by feedback.
    click(browser, '[data-action="judge-bad"]')
    wait(browser, lambda d: json.loads(http(server, f"/v1/agent/runs/{run_id}", keys["owner"]["secret"])[2])["outcome"] == "failure",
         "marking the run bad was not recorded")
    judged = json.loads(http(server, f"/v1/agent/runs/{run_id}", keys["owner"]["secret"])[2])
    assert judged["outcome_source"] == "feedback", judged
    # A cancelled run resumes from its last step, and can be cancelled again.
    click(browser, '[data-action="resume-run"]')
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-action="cancel-run"]'), "the resumed run offered no cancel")
    assert run_status(server, keys["owner"]["secret"], run_id) == "running"
    click(browser, '[data-action="cancel-run"]')
    wait(browser, lambda d: run_status(server, keys["owner"]["secret"], run_id) == "cancelled", "the resumed run was not cancelled again")
    audit = json.loads(http(server, "/admin/audit?type=run.cancelled", keys["owner"]["secret"])[2])["data"]
    assert any(event["resource"] == f"run:{run_id}" for event in audit)
    # The audit view's type filter takes a family: only run events, the cancel among them.
    open_view(browser, server, "audit?type=run.")
    types = [row.get_attribute("data-event") for row in browser.find_elements(By.CSS_SELECTOR, "main tr[data-event]")]
    assert "run.cancelled" in types and all(kind.startswith("run.") for kind in types), types
    assert page_problems(browser) == []


def test_usage_shows_the_metered_runs(dashboard, browser, shots):
    server, keys, _ = dashboard
    signed_in_as(browser, server, keys["owner"])
    # Usage is written in batches a moment after a run ends: look again until it is there.
    deadline = time.monotonic() + WAIT
    while True:
        root = open_view(browser, server, "usage?period=minute&since=hour")
        if root.get_attribute("data-state") == "ready" or time.monotonic() > deadline:
            break
        browser.get(f"{server.url}/#/overview")
        time.sleep(1)
    assert root.get_attribute("data-state") == "ready", root.text[:500]
    assert keys["owner"]["id"] in root.text and browser.find_elements(By.CSS_SELECTOR, "main svg.chart rect.bar")
    shoot(browser, shots, "22-usage-after-runs")


def test_an_admin_approves_a_waiting_module(dashboard, browser, shots):
    server, keys, waiting = dashboard
    signed_in_as(browser, server, keys["owner"])
    open_view(browser, server, "modules")
    card = browser.find_element(By.CSS_SELECTOR, "main li.approval")
    assert waiting in card.text
    shoot(browser, shots, "30-module-waiting")
    click(browser, 'li.approval [data-action="approve-module"]')
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "main li.approval")
         and d.find_elements(By.CSS_SELECTOR, 'main [data-view="modules"][data-state="ready"]'), "the approval did not go through")
    approvals = json.loads(http(server, "/admin/modules/approvals?all=true", keys["owner"]["secret"])[2])["data"]
    assert [item["status"] for item in approvals if item["module"] == waiting] == ["approved"]
    name = waiting.split("@")[0]
    row = browser.find_element(By.CSS_SELECTOR, f'main tr[data-module="{name}"][data-stage="promoted"]')
    assert "active" in row.text
    shoot(browser, shots, "31-module-approved")
    # The ledger's state is checked as `nexus verify` does, the approval's entries included.
    wait(browser, lambda d: "verified" in d.find_element(By.CSS_SELECTOR, "main [data-ledger]").text,
         "the Modules view did not show the ledger verified")
    # Its detail shows the validation report.
    row.find_element(By.CSS_SELECTOR, "a").click()
    detail = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-view="module"][data-state="ready"]'), "the module page did not load")[0]
    assert "Validation report" in detail.text
    shoot(browser, shots, "32-module-detail")
    assert page_problems(browser) == []


def test_an_owner_makes_a_key_sees_its_secret_once_and_revokes_it(dashboard, browser, shots):
    server, keys, _ = dashboard
    signed_in_as(browser, server, keys["owner"])
    open_view(browser, server, "keys")
    browser.find_element(By.CSS_SELECTOR, "main details.disclosure summary").click()
    form = browser.find_element(By.CSS_SELECTOR, 'form[data-form="create-key"]')
    form.find_element(By.NAME, "name").send_keys("made-in-browser")
    click(browser, 'form[data-form="create-key"] [data-action="create-key"]')
    panel = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "main .secret-panel"), "no secret was shown")[0]
    secret = panel.find_element(By.CSS_SELECTOR, "input.secret").get_attribute("value")
    assert secret.startswith("nxk_")
    key_id = panel.get_attribute("data-secret-for")
    assert http(server, "/v1/me", secret)[0] == 200
    shoot(browser, shots, "40-key-created")
    click(browser, f'tr[data-key="{key_id}"] [data-action="revoke-key"]')
    click(browser, f'tr[data-key="{key_id}"] [data-action="confirm-revoke-key"]')
    wait(browser, lambda d: "revoked" in d.find_element(By.CSS_SELECTOR, f'main tr[data-key="{key_id}"]').text, "the key was not shown revoked")
    assert http(server, "/v1/me", secret)[0] == 401  # revoked: v1/me says so even on loopback
    assert secret not in browser.find_element(By.TAG_NAME, "main").text
    assert page_problems(browser) == []


@pytest.fixture
def gguf_url(tmp_path):
    """The small model's file, served on loopback (a link to it, not a copy)."""
    manifest = json.loads((MODELS_HOME / "models" / "manifests" / f"{SMALL}.json").read_text())
    (tmp_path / "tiny.gguf").symlink_to(manifest["path"])
    handler = lambda *args: SimpleHTTPRequestHandler(*args, directory=str(tmp_path))  # noqa: E731
    files = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    files.RequestHandlerClass.log_message = lambda *args: None
    threading.Thread(target=files.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{files.server_address[1]}/tiny.gguf", manifest["sha256"]
    files.shutdown()


def test_pulling_a_model_shows_its_progress(dashboard, browser, shots, gguf_url):
    server, keys, _ = dashboard
    signed_in_as(browser, server, keys["owner"])
    url, sha256 = gguf_url
    open_view(browser, server, "models")
    browser.find_element(By.CSS_SELECTOR, "main details.disclosure summary").click()
    form = browser.find_element(By.CSS_SELECTOR, 'form[data-form="pull-model"]')
    form.find_element(By.NAME, "model").send_keys("dash-pulled")
    form.find_element(By.NAME, "url").send_keys(url)
    form.find_element(By.NAME, "sha256").send_keys(sha256)
    click(browser, '[data-action="pull-model"]')
    wait(browser, lambda d: "Pulled dash-pulled." in d.find_element(By.CSS_SELECTOR, "main .progress-text").text,
         "the pull did not finish on the page")
    shoot(browser, shots, "51-model-pulled")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main tr[data-model="dash-pulled"]'), "the pulled model is not listed")
    assert http(server, "/api/delete", keys["owner"]["secret"], "DELETE", {"model": "dash-pulled"})[0] == 200
    assert page_problems(browser) == []


def test_deleting_a_model_asks_first(dashboard, browser, shots):
    server, keys, _ = dashboard
    signed_in_as(browser, server, keys["owner"])
    assert http(server, "/api/copy", keys["owner"]["secret"], "POST", {"source": SMALL, "destination": "dash-copy"})[0] == 200
    open_view(browser, server, "models")
    click(browser, 'tr[data-model="dash-copy"] [data-action="delete-model"]')
    assert "Delete dash-copy?" in browser.find_element(By.CSS_SELECTOR, 'main tr[data-model="dash-copy"]').text
    shoot(browser, shots, "50-model-delete-asks")
    click(browser, 'tr[data-model="dash-copy"] [data-action="confirm-delete-model"]')
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, 'main tr[data-model="dash-copy"]')
         and d.find_elements(By.CSS_SELECTOR, 'main tr[data-model]'), "the deleted model is still listed")
    names = [model["name"] for model in json.loads(http(server, "/api/tags")[2])["models"]]
    assert "dash-copy" not in names and SMALL in names
    assert page_problems(browser) == []


def test_a_server_owner_reads_another_orgs_run(dashboard, browser, shots):
    server, keys, _ = dashboard
    cli(server.home, "orgs", "create", "acme")
    acme = json.loads(cli(server.home, "keys", "create", "--org", "acme", "--role", "operator", "--name", "acme-ops", "--json"))
    status, _, text = http(server, "/v1/agent/runs", acme["secret"], "POST", {"task": "Say hello.", "max_steps": 1})
    assert status == 201, text
    run_id = json.loads(text)["id"]
    signed_in_as(browser, server, keys["owner"])
    # Its own org's list does not show it; naming the org does.
    root = open_view(browser, server, "runs")
    assert run_id not in root.text
    root = open_view(browser, server, "runs?org=acme")
    assert run_id in root.text
    click(browser, f'a[href*="{run_id}"]')
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-view="run"][data-state="ready"]'), "the other org's run did not open")
    assert "Say hello." in browser.find_element(By.CSS_SELECTOR, 'main [data-view="run"]').text
    # Reading another org's run is all the page offers: cancelling stays with that org's keys.
    assert not browser.find_elements(By.CSS_SELECTOR, 'main [data-action="cancel-run"]')
    assert page_problems(browser) == []


def test_a_viewer_sees_no_acting_control(dashboard, browser, shots):
    server, keys, _ = dashboard
    sign_in(browser, server, keys["viewer"]["secret"])
    assert "viewer" in browser.find_element(By.ID, "who-text").text
    hidden = [link.get_attribute("data-nav") for link in browser.find_elements(By.CSS_SELECTOR, "#nav a") if not link.is_displayed()]
    assert sorted(hidden) == ["audit", "keys", "modules", "usage"]
    for view in VIEWS:
        open_view(browser, server, view, allowed=("ready", "empty", "forbidden"))
        assert displayed_actions(browser) == ["sign-out"], f"{view}: {displayed_actions(browser)}"
    # Another key's run is not found for a viewer, and still offers nothing to do.
    run_id = SHARED.get("run_id")
    if run_id:
        open_view(browser, server, f"runs/{run_id}", allowed=("error",))
        assert displayed_actions(browser) == ["sign-out"]
    open_view(browser, server, "keys", allowed=("forbidden",))
    assert "may not see this" in browser.find_element(By.CSS_SELECTOR, "main").text
    shoot(browser, shots, "60-viewer-keys")
    assert page_problems(browser) == []


def focused(driver) -> dict:
    """What has the keyboard focus, and whether it shows a focus ring."""
    return driver.execute_script("""
        const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName.toLowerCase(), id: e.id, text: (e.textContent || '').trim().slice(0, 80),
                href: e.getAttribute('href') || '', ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0};""")


def press(driver, *keys):
    ActionChains(driver).send_keys(*keys).perform()


def tab_to(driver, matches, what: str, limit: int = 80) -> dict:
    """Presses Tab until the focus is on what `matches`; every stop on the way must show its focus."""
    for _ in range(limit):
        press(driver, Keys.TAB)
        now = focused(driver)
        assert now["tag"] == "body" or now["ring"], f"the focus on {now} is not visible"
        if matches(now):
            return now
    raise AssertionError(f"{limit} presses of Tab never reached {what}")


def test_the_keyboard_alone_signs_in_moves_between_views_and_opens_a_run(dashboard, browser, shots):
    server, keys, _ = dashboard
    owner = keys["owner"]["secret"]
    if not json.loads(http(server, "/v1/agent/runs?limit=1", owner)[2])["data"]:
        status, _, text = http(server, "/v1/agent/runs", owner, "POST", {"task": "Say hello.", "max_steps": 1})
        assert status in (200, 201, 202), text
    browser.get(f"{server.url}/#/overview")
    browser.execute_script("sessionStorage.clear()")
    browser.refresh()
    wait(browser, lambda d: d.find_element(By.ID, "who-text").text.strip(), "the page did not say who is signed in")
    # The first stop is the skip link; it moves the focus to the view, not the route.
    assert tab_to(browser, lambda f: True, "anything", limit=1)["id"] == "skip-link"
    press(browser, Keys.ENTER)
    assert focused(browser)["id"] == "main" and browser.current_url.endswith("#/overview")
    # Sign in: the button opens the form with the focus in the key field; Enter signs in.
    browser.refresh()
    wait(browser, lambda d: d.find_element(By.ID, "show-sign-in").is_displayed(), "no sign-in button")
    tab_to(browser, lambda f: f["id"] == "show-sign-in", "the sign-in button")
    press(browser, Keys.ENTER)
    assert focused(browser)["id"] == "sign-in-key"
    press(browser, owner, Keys.ENTER)
    wait(browser, lambda d: d.find_element(By.ID, "sign-out").is_displayed(), "signing in with the keyboard did not finish")
    # A section from the navigation; the focus lands on the new view.
    browser.refresh()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-view="overview"][data-state="ready"]'), "the overview did not load")
    tab_to(browser, lambda f: f["href"] == "#/runs", "the Runs link")
    press(browser, Keys.ENTER)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-view="runs"][data-state="ready"]'), "Enter on Runs did not open the runs")
    assert focused(browser)["id"] == "main"
    # A run from the list, and its context opened with Enter.
    link = tab_to(browser, lambda f: f["href"].startswith("#/runs/run_"), "a run in the list")
    press(browser, Keys.ENTER)
    wait(browser, lambda d: d.current_url.endswith(link["href"]), "Enter on a run did not open it")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-view="run"][data-state="ready"]'), "the run page did not load")
    tab_to(browser, lambda f: f["tag"] == "summary" and f["text"] == "Context the model saw", "the context viewer")
    press(browser, Keys.ENTER)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'main [data-context] [data-role="system"]'), "Enter did not open the context")
    shoot(browser, shots, "80-keyboard-context")
    assert page_problems(browser) == []


def test_the_page_fits_a_phone(dashboard, browser, shots):
    server, keys, _ = dashboard
    sign_in(browser, server, keys["owner"]["secret"])
    browser.set_window_size(390, 844)
    try:
        for view in ("overview", "runs", "modules", "audit"):
            open_view(browser, server, view)
            time.sleep(0.3)  # the charts redraw at the new width
            overflow = browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{view} scrolls sideways by {overflow} px at 390 px"
            shoot(browser, shots, f"70-phone-{view}")
    finally:
        browser.set_window_size(1280, 800)
    browser.find_element(By.ID, "sign-out").click()
    assert browser.execute_script("return sessionStorage.getItem('nexus.key')") is None
