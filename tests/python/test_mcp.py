"""Nexus and MCP, both ways, driven by the official `mcp` SDK.

- As a server: `nexus mcp` over stdio and `/mcp` of `nexus serve` over Streamable HTTP are
  initialized, listed, called and refused (no key, a web page's Origin, another key's session).
- As a client: `nexus run` uses the tools of tests/python/mcp_fixture_server.py (the SDK's
  MCPServer, FastMCP before mcp 2, started from `$NEXUS_HOME/mcp.json` over stdio, or run by the
  test over Streamable HTTP behind a bearer token) under its policy, with a scripted model and
  with the real default tool model; a server that crashes or hangs costs only its own call; a
  module reaches the server's tools through `nexus.call` when the caller's policy allows it.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time

import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from conftest import NEXUS_BIN, SMALL, TOOLS, free_port, register_models, start_server, stop_server

FIXTURE = pathlib.Path(__file__).with_name("mcp_fixture_server.py")


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 120))


@pytest.fixture()
def home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    workspace = tmp_path / "work"
    workspace.mkdir()
    (workspace / "notes.txt").write_text("alpha\nbeta\n")
    return home, workspace


def nexus_env(home: pathlib.Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "LD_LIBRARY_PATH"}
    env["NEXUS_HOME"] = str(home)
    return env


# --- Nexus as an MCP server over stdio -------------------------------------------------------

def test_stdio_server_lists_calls_refuses_and_records(home):
    home, workspace = home

    async def session():
        params = StdioServerParameters(command=str(NEXUS_BIN), args=["mcp", "--no-agent", "--workspace", str(workspace)],
                                       env=nexus_env(home))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as client:
                init = await client.initialize()
                assert init.server_info.name == "nexus"
                names = [tool.name for tool in (await client.list_tools()).tools]
                assert "filesystem_read" in names and "agent_run" not in names
                read_result = await client.call_tool("filesystem_read", {"path": "notes.txt"})
                assert not read_result.is_error and "beta" in read_result.content[0].text
                refused = await client.call_tool("filesystem_read", {"path": "/etc/passwd"})
                assert refused.is_error and "refused" in refused.content[0].text
                bad = await client.call_tool("filesystem_read", {"wrong": 1})
                assert bad.is_error and "invalid arguments" in bad.content[0].text
                with pytest.raises(MCPError):
                    await client.call_tool("no_such_tool", {})
                resources = (await client.list_resources()).resources
                uris = [str(resource.uri) for resource in resources]
                run_id = read_result.meta["nexus/run_id"]
                assert f"nexus://runs/{run_id}" in uris and f"nexus://traces/{run_id}" in uris
                record = json.loads((await client.read_resource(f"nexus://runs/{run_id}")).contents[0].text)
                assert record["status"] == "completed" and record["steps"][0]["tool"] == "filesystem_read"
                with pytest.raises(MCPError):
                    await client.read_resource("nexus://runs/run_nothere")

    run(session())
    listed = subprocess.run([str(NEXUS_BIN), "runs", "list"], env=nexus_env(home), capture_output=True, text=True, timeout=60)
    assert "Call the tool filesystem_read" in listed.stdout


def test_stdio_server_offers_installed_modules_with_structured_output(home):
    """A module is an MCP tool: its manifest's input and output schemas, its result as structured content."""
    home, workspace = home
    install_module(home, workspace, pathlib.Path(__file__).parents[2] / "examples" / "modules" / "word_count", "word_count")

    async def session():
        params = StdioServerParameters(command=str(NEXUS_BIN), args=["mcp", "--no-agent", "--workspace", str(workspace)],
                                       env=nexus_env(home))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as client:
                await client.initialize()
                tools = {tool.name: tool for tool in (await client.list_tools()).tools}
                assert "word_count" in tools, sorted(tools)
                assert tools["word_count"].output_schema["required"] == ["files", "total"]
                assert "paths" in tools["word_count"].input_schema["properties"]
                counted = await client.call_tool("word_count", {})
                assert not counted.is_error, counted
                assert counted.structured_content == {"files": {"notes.txt": 2}, "total": 2}
                refused = await client.call_tool("word_count", {"paths": 3})
                assert refused.is_error

    run(session())


def test_stdio_agent_run_with_a_scripted_model(home, tmp_path):
    home, workspace = home
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"responses": [
        '<tool_call>\n{"name": "filesystem_read", "arguments": {"path": "notes.txt"}}\n</tool_call>',
        "notes.txt holds alpha and beta.",
    ]}))

    async def session():
        params = StdioServerParameters(command=str(NEXUS_BIN), args=["mcp", "--model", f"script:{script}", "--workspace", str(workspace)],
                                       env=nexus_env(home))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as client:
                await client.initialize()
                assert "agent_run" in [tool.name for tool in (await client.list_tools()).tools]
                result = await client.call_tool("agent_run", {"task": "What does notes.txt hold? Read it."})
                assert not result.is_error, result
                assert result.structured_content["status"] == "completed"
                assert "alpha" in result.structured_content["answer"]
                return result.structured_content["run_id"]

    run_id = run(session())
    shown = subprocess.run([str(NEXUS_BIN), "runs", "show", run_id], env=nexus_env(home), capture_output=True, text=True, timeout=60)
    assert "filesystem_read" in shown.stdout


# --- Nexus as an MCP server over Streamable HTTP ---------------------------------------------

@pytest.fixture(scope="module")
def served():
    server = start_server("mcp", [SMALL, TOOLS])
    keys = {}
    for role in ["operator", "viewer"]:
        created = subprocess.run([str(NEXUS_BIN), "keys", "create", "--role", role, "--json"], env=nexus_env(server.home),
                                 capture_output=True, text=True, timeout=60, check=True)
        keys[role] = json.loads(created.stdout)["secret"]
    second = subprocess.run([str(NEXUS_BIN), "keys", "create", "--role", "operator", "--json"], env=nexus_env(server.home),
                            capture_output=True, text=True, timeout=60, check=True)
    keys["other"] = json.loads(second.stdout)["secret"]
    yield server, keys
    stop_server(server)


async def http_session(url: str, headers: dict[str, str], body):
    async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
        async with streamable_http_client(url + "/mcp", http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as client:
                await client.initialize()
                return await body(client)


def test_http_server_with_a_key(served):
    server, keys = served

    async def body(client):
        names = [tool.name for tool in (await client.list_tools()).tools]
        # The server's default profile: no memory writes or self-modification for a shared server.
        assert "filesystem_write" in names and "agent_run" in names and "self_modify" not in names
        written = await client.call_tool("filesystem_write", {"path": "hello.txt", "content": "hi"})
        assert not written.is_error, written
        outside = await client.call_tool("filesystem_read", {"path": "/etc/hostname"})
        assert outside.is_error and "refused" in outside.content[0].text
        return written.meta["nexus/run_id"]

    run_id = run(http_session(server.url, {"Authorization": f"Bearer {keys['operator']}"}, body))
    # The key's own folder, and the run recorded under the key.
    assert list((server.home / "workspaces").glob("*/mcp/hello.txt"))
    runs = httpx2.get(server.url + f"/v1/agent/runs/{run_id}", headers={"Authorization": f"Bearer {keys['operator']}"}, timeout=30)
    assert runs.status_code == 200
    hidden = httpx2.get(server.url + f"/v1/agent/runs/{run_id}", headers={"Authorization": f"Bearer {keys['other']}"}, timeout=30)
    assert hidden.status_code == 404


def initialize_body():
    return {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}


MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def test_http_server_refusals(served):
    server, keys = served
    # No key: 401, also on loopback (MCP runs tools).
    assert httpx2.post(server.url + "/mcp", json=initialize_body(), headers=MCP_HEADERS, timeout=30).status_code == 401
    # A viewer may not execute tools.
    viewer = {**MCP_HEADERS, "Authorization": f"Bearer {keys['viewer']}"}
    assert httpx2.post(server.url + "/mcp", json=initialize_body(), headers=viewer, timeout=30).status_code == 403
    # A web page's origin is refused even with a key.
    operator = {**MCP_HEADERS, "Authorization": f"Bearer {keys['operator']}"}
    page = httpx2.post(server.url + "/mcp", json=initialize_body(), headers={**operator, "Origin": "https://evil.example"}, timeout=30)
    assert page.status_code == 403
    # A session belongs to the key that opened it.
    opened = httpx2.post(server.url + "/mcp", json=initialize_body(), headers=operator, timeout=30)
    assert opened.status_code == 200
    session = opened.headers["mcp-session-id"]
    other = {**MCP_HEADERS, "Authorization": f"Bearer {keys['other']}", "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"}
    listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    assert httpx2.post(server.url + "/mcp", json=listing, headers=other, timeout=30).status_code == 404
    # An unknown admin-only or missing profile is a clear 4xx, not a 5xx.
    missing = httpx2.post(server.url + "/mcp?profile=nothere", json=initialize_body(), headers=operator, timeout=30)
    assert missing.status_code == 400 and "nothere" in missing.text
    assert server.alive()


# --- Nexus as an MCP client ---------------------------------------------------------------------

def write_config(home: pathlib.Path) -> None:
    (home / "mcp.json").write_text(json.dumps({"mcpServers": {
        "fixture": {"command": sys.executable, "args": [str(FIXTURE)]},
        "off": {"command": "false", "disabled": True},
    }}))


def nexus_run(home, workspace, script_path, *flags, task="add the numbers", env=None):
    return subprocess.run([str(NEXUS_BIN), "run", "--model", f"script:{script_path}", "--offer", "all", "--no-hope",
                           "--workspace", str(workspace), *flags, task],
                          env={**nexus_env(home), **(env or {})}, capture_output=True, text=True, timeout=120)


def script(tmp_path, *responses) -> pathlib.Path:
    path = tmp_path / f"script{len(list(tmp_path.glob('script*')))}.json"
    path.write_text(json.dumps({"responses": list(responses)}))
    return path


def call(name, arguments):
    return f'<tool_call>\n{json.dumps({"name": name, "arguments": arguments})}\n</tool_call>'


def test_run_uses_an_allowed_mcp_server(home, tmp_path):
    home, workspace = home
    write_config(home)
    done = nexus_run(home, workspace, script(tmp_path, call("fixture.add", {"a": 40, "b": 2}), "The sum is 42."), "--allow-mcp", "fixture")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fixture.add" in done.stdout and "ok" in done.stdout and "42" in done.stdout


def test_run_refuses_a_server_its_policy_does_not_name(home, tmp_path):
    home, workspace = home
    write_config(home)
    done = nexus_run(home, workspace, script(tmp_path, call("fixture.add", {"a": 1, "b": 2}), "done"))
    assert "refused" in done.stdout and "fixture.add" in done.stdout
    # Naming a server the configuration lacks is a clear error before anything runs.
    unknown = nexus_run(home, workspace, script(tmp_path, "done"), "--allow-mcp", "ghost")
    assert unknown.returncode != 0 and "ghost" in unknown.stderr and "Traceback" not in unknown.stderr


def test_a_crashing_or_hanging_server_costs_only_its_call(home, tmp_path):
    home, workspace = home
    write_config(home)
    policy = tmp_path / "policy.toml"
    policy.write_text('mcp = ["fixture"]\n[limits]\nwall_seconds = 2\n')
    steps = script(tmp_path, call("fixture.crash", {}), call("fixture.hang", {"seconds": 30}), call("fixture.shout", {"text": "still here"}),
                   "It recovered.")
    done = nexus_run(home, workspace, steps, "--policy", str(policy))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "stopped during crash" in done.stdout
    assert "did not answer hang within 2 s" in done.stdout
    assert "STILL HERE" in done.stdout


@pytest.fixture()
def http_fixture(tmp_path):
    """The fixture server over Streamable HTTP on a free port, wanting the bearer token "s3cret"."""
    port = free_port()
    log = open(tmp_path / "fixture-http.log", "wb")
    process = subprocess.Popen([sys.executable, str(FIXTURE), "--http", str(port), "--token", "s3cret"],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            assert process.poll() is None, (tmp_path / "fixture-http.log").read_text()
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/mcp"
    process.terminate()
    process.wait(timeout=10)
    log.close()


def test_run_uses_a_server_over_http_with_a_bearer_token(home, tmp_path, http_fixture):
    home, workspace = home
    (home / "mcp.json").write_text(json.dumps({"mcpServers": {
        "remote": {"url": http_fixture, "headers": {"Authorization": "Bearer ${FIXTURE_TOKEN}"}}}}))
    steps = script(tmp_path, call("remote.add", {"a": 40, "b": 2}), call("remote.shout", {"text": "over http"}), "The sum is 42.")
    done = nexus_run(home, workspace, steps, "--allow-mcp", "remote", env={"FIXTURE_TOKEN": "s3cret"})
    assert done.returncode == 0, done.stdout + done.stderr
    # Both replies arrive as event streams (the SDK server's default), read message by message.
    assert "ok" in done.stdout and "42" in done.stdout and "OVER HTTP" in done.stdout
    # A wrong credential is one clear line, and the run goes on without the server's tools.
    refused = nexus_run(home, workspace, script(tmp_path, "done", "done", "done"), "--allow-mcp", "remote", env={"FIXTURE_TOKEN": "wrong"})
    assert refused.returncode == 0, refused.stdout + refused.stderr
    assert "'remote' refused to start a session" in refused.stderr and "mcp.json" in refused.stderr


def nexus_cli(home, workspace, *arguments):
    return subprocess.run([str(NEXUS_BIN), *arguments], env=nexus_env(home), cwd=workspace,
                          capture_output=True, text=True, timeout=120)


def install_module(home, workspace, folder, name):
    for step in (["modules", "new", str(folder)], ["modules", "validate", name], ["modules", "promote", name], ["modules", "install", name]):
        done = nexus_cli(home, workspace, *step)
        assert done.returncode == 0, f"{step}: {done.stdout}{done.stderr}"


MODULE_MANIFEST = {
    "name": "loud_echo", "version": "1.0.0", "description": "Echoes the text, upper-cased by the fixture MCP server.",
    "input": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    "output": {"type": "object", "properties": {"loud": {"type": "string"}}, "required": ["loud"]},
    "capabilities": {"tools": ["fixture.shout"]},
    "tests": [{"name": "shouts", "input": {"text": "a"}, "tools": {"fixture.shout": {"status": "ok", "content": "A"}},
               "expect": {"loud": "A"}}],
}


def test_a_module_calls_an_mcp_tool_under_the_callers_policy(home, tmp_path):
    home, workspace = home
    write_config(home)
    folder = tmp_path / "loud_echo"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(MODULE_MANIFEST))
    (folder / "module.lua").write_text('return { run = function(input) return { loud = nexus.call("fixture.shout", { text = input.text }) } end }\n')

    def nexus(*arguments):
        return nexus_cli(home, workspace, *arguments)

    install_module(home, workspace, folder, "loud_echo")
    allowed = nexus("modules", "run", "loud_echo", "--input", '{"text": "hi there"}', "--allow-mcp", "fixture")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert json.loads(allowed.stdout) == {"loud": "HI THERE"}
    refused = nexus("modules", "run", "loud_echo", "--input", '{"text": "hi there"}')
    assert refused.returncode != 0 and "does not allow" in refused.stderr and "--allow-mcp fixture" in refused.stderr
    # The agent calls the module as a tool; the module's nexus.call reaches the server the run allows.
    done = nexus_run(home, workspace, script(tmp_path, call("loud_echo", {"text": "via the agent"}), "Done."), "--allow-mcp", "fixture")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VIA THE AGENT" in done.stdout


def test_run_with_the_real_tool_model_uses_an_mcp_tool(home):
    """End to end with the default tool model (greedy): it picks the server's tool, which runs and
    returns its result. (What the model does after it varies: on this CPU, greedy decoding is not
    bit-exact from run to run, and one run in three or so goes on to write the text into a file.)"""
    home, workspace = home
    write_config(home)
    register_models(home, [TOOLS])
    done = subprocess.run([str(NEXUS_BIN), "run", "--model", TOOLS, "--no-hope", "--workspace", str(workspace),
                           "--allow-mcp", "fixture",
                           "Use the fixture.shout tool to upper-case the text 'quiet words', and tell me what it returned."],
                          env=nexus_env(home), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '→ fixture.shout {"text":"quiet words"}' in done.stdout, done.stdout
    assert "completed:" in done.stdout, done.stdout
    shout = done.stdout.split('→ fixture.shout {"text":"quiet words"}', 1)[1].split("step ", 1)[0]
    assert "ok" in shout and "QUIET WORDS" in shout, done.stdout


def test_served_run_uses_the_mcp_servers_its_profile_names(served):
    """`nexus serve`: a run whose server profile names an MCP server gets its tools (here with the
    real tool model); a request may not add a server its profile lacks."""
    server, keys = served
    (server.home / "mcp.json").write_text(json.dumps({"mcpServers": {"fixture": {"command": sys.executable, "args": [str(FIXTURE)]}}}))
    (server.home / "policies").mkdir(exist_ok=True)
    (server.home / "policies" / "shouting.toml").write_text('read = ["."]\nwrite = ["."]\nmcp = ["fixture"]\n')
    operator = {"Authorization": f"Bearer {keys['operator']}"}
    task = "Use the fixture.shout tool to upper-case the text 'served words', and tell me what it returned."
    wider = httpx2.post(server.url + "/v1/agent/runs", json={"task": task, "model": TOOLS, "policy": {"mcp": ["fixture"]}},
                        headers=operator, timeout=60)
    assert wider.status_code == 403, wider.text
    started = httpx2.post(server.url + "/v1/agent/runs", json={"task": task, "model": TOOLS, "profile": "shouting"},
                          headers=operator, timeout=60)
    assert started.status_code == 201, started.text
    run_id = started.json()["id"]
    deadline = time.monotonic() + 240
    while True:
        record = httpx2.get(server.url + f"/v1/agent/runs/{run_id}", headers=operator, timeout=30).json()
        if record["status"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert record["status"] == "completed", record
    calls = [step for step in record["steps"] if step.get("tool") == "fixture.shout"]
    assert calls and calls[0]["status"] == "ok" and "SERVED WORDS" in calls[0]["result_excerpt"], record["steps"]


def test_http_server_answers_the_stateless_form(served):
    """2026-07-28: no initialize and no session; each request names its version in `_meta`."""
    server, keys = served
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"}, "io.modelcontextprotocol/clientCapabilities": {}}
    operator = {**MCP_HEADERS, "Authorization": f"Bearer {keys['operator']}"}

    def post(method, params=None, headers=operator):
        return httpx2.post(server.url + "/mcp", json={"jsonrpc": "2.0", "id": 7, "method": method, "params": {**(params or {}), "_meta": meta}},
                           headers=headers, timeout=60)

    discovered = post("server/discover")
    assert discovered.status_code == 200 and "2026-07-28" in discovered.json()["result"]["supportedVersions"]
    listed = post("tools/list")
    assert listed.status_code == 200 and "mcp-session-id" not in listed.headers
    assert "filesystem_write" in [tool["name"] for tool in listed.json()["result"]["tools"]]
    called = post("tools/call", {"name": "filesystem_write", "arguments": {"path": "stateless.txt", "content": "no session"}})
    result = called.json()["result"]
    assert not result["isError"] and result["resultType"] == "complete" and result["_meta"]["nexus/run_id"].startswith("run_")
    assert list((server.home / "workspaces").glob("*/mcp/stateless.txt"))
    # The same rules as a session: a key, one that may run tools, and a version this server speaks.
    assert post("tools/list", headers=MCP_HEADERS).status_code == 401
    assert post("tools/list", headers={**MCP_HEADERS, "Authorization": f"Bearer {keys['viewer']}"}).status_code == 403
    meta["io.modelcontextprotocol/protocolVersion"] = "2030-01-01"
    unsupported = post("tools/list")
    assert unsupported.status_code == 400 and "2026-07-28" in unsupported.text


def test_stdio_server_answers_the_stateless_form(home):
    """Over stdio a 2026-07-28 client asks `server/discover` first, then calls without `initialize`."""
    home, workspace = home
    meta = {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}
    lines = [{"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": meta},
             {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "filesystem_read", "arguments": {"path": "notes.txt"}, **meta}}]
    server = subprocess.Popen([str(NEXUS_BIN), "mcp", "--no-agent", "--workspace", str(workspace)], env=nexus_env(home),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    replies = {}
    try:
        for line in lines:
            server.stdin.write(json.dumps(line) + "\n")
            server.stdin.flush()
            reply = json.loads(server.stdout.readline())
            replies[reply["id"]] = reply
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    assert "2026-07-28" in replies[1]["result"]["supportedVersions"], replies
    assert "alpha" in replies[2]["result"]["content"][0]["text"] and not replies[2]["result"]["isError"]


def test_a_crystallized_trace_calls_the_mcp_tool_it_used(home, tmp_path):
    """HOPE compiles a run that used SERVER.TOOL into a module whose nexus.call reaches that server,
    only for runs whose policy allows it."""
    home, workspace = home
    write_config(home)
    learned = subprocess.run([str(NEXUS_BIN), "run", "--model", f"script:{script(tmp_path, call('fixture.shout', {'text': 'hello'}), 'It returned HELLO.')}",
                              "--offer", "all", "--workspace", str(workspace), "--allow-mcp", "fixture",
                              "Shout the word 'hello' with the fixture server."], env=nexus_env(home), capture_output=True, text=True, timeout=120)
    assert learned.returncode == 0, learned.stdout + learned.stderr
    run_id = learned.stdout.split()[1].rstrip(":")
    crystallized = subprocess.run([str(NEXUS_BIN), "crystallize", run_id, "--no-model"], env=nexus_env(home),
                                  capture_output=True, text=True, timeout=120)
    assert "installed" in crystallized.stdout, crystallized.stdout + crystallized.stderr
    silent = script(tmp_path, "It returned something.", "It returned something.")
    replayed = subprocess.run([str(NEXUS_BIN), "run", "--model", f"script:{silent}", "--offer", "all", "--workspace", str(workspace),
                               "--allow-mcp", "fixture", "Shout the word 'world' with the fixture server."],
                              env=nexus_env(home), capture_output=True, text=True, timeout=120)
    assert "mode CRYSTALLIZED" in replayed.stdout and "completed: It returned WORLD." in replayed.stdout, replayed.stdout
    # Without the server in its policy the module is refused, and the model takes over.
    refused = subprocess.run([str(NEXUS_BIN), "run", "--model", f"script:{silent}", "--offer", "all", "--workspace", str(workspace),
                              "Shout the word 'again' with the fixture server."], env=nexus_env(home), capture_output=True, text=True, timeout=120)
    assert "does not allow" in refused.stdout and "mode LEARNER" in refused.stdout, refused.stdout


def test_an_http_server_reads_its_token_from_the_credential_store(home, tmp_path, http_fixture):
    """`${credential:NAME}` in mcp.json reads the encrypted store when the server starts; the
    secret is never printed, listed or written in the clear anywhere in the home."""
    home, workspace = home
    (home / "mcp.json").write_text(json.dumps({"mcpServers": {
        "remote": {"url": http_fixture, "headers": {"Authorization": "Bearer ${credential:FIXTURE_TOKEN}"}}}}))
    missing = nexus_run(home, workspace, script(tmp_path, "done", "done", "done"), "--allow-mcp", "remote")
    assert "needs the credential FIXTURE_TOKEN" in missing.stderr and "nexus credentials set FIXTURE_TOKEN" in missing.stderr
    stored = subprocess.run([str(NEXUS_BIN), "credentials", "set", "FIXTURE_TOKEN"], input="s3cret\n", env=nexus_env(home),
                            capture_output=True, text=True, timeout=60)
    assert stored.returncode == 0 and "stored FIXTURE_TOKEN" in stored.stdout and "s3cret" not in stored.stdout
    done = nexus_run(home, workspace, script(tmp_path, call("remote.shout", {"text": "sealed"}), "It said SEALED."), "--allow-mcp", "remote")
    assert done.returncode == 0 and "SEALED" in done.stdout, done.stdout + done.stderr
    listed = nexus_cli(home, workspace, "credentials", "list", "--json")
    assert [entry["name"] for entry in json.loads(listed.stdout)] == ["FIXTURE_TOKEN"]
    exported = nexus_cli(home, workspace, "export", "sft")
    for output in (done.stdout, done.stderr, listed.stdout, exported.stdout):
        assert "s3cret" not in output
    for path in home.rglob("*"):
        if path.is_file():
            assert b"s3cret" not in path.read_bytes(), path
