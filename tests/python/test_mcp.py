"""Nexus and MCP, both ways, driven by the official `mcp` SDK.

- As a server: `nexus mcp` over stdio and `/mcp` of `nexus serve` over Streamable HTTP are
  initialized, listed, called and refused (no key, a web page's Origin, another key's session).
- As a client: `nexus run` uses the tools of tests/python/mcp_fixture_server.py (a FastMCP-style
  server started from `$NEXUS_HOME/mcp.json`) under its policy, with a scripted model, and a
  server that crashes or hangs costs only its own call.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from conftest import NEXUS_BIN, SMALL, start_server, stop_server

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
    server = start_server("mcp", [SMALL])
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


def nexus_run(home, workspace, script_path, *flags, task="add the numbers"):
    return subprocess.run([str(NEXUS_BIN), "run", "--model", f"script:{script_path}", "--offer", "all", "--no-hope",
                           "--workspace", str(workspace), *flags, task],
                          env=nexus_env(home), capture_output=True, text=True, timeout=120)


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
