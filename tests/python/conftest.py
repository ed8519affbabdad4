"""A live `nexus serve` on loopback for the client and fuzz tests.

Each server gets a home of its own (a temporary NEXUS_HOME) that registers the cached models by
copying their manifests, so nothing the tests create or delete reaches ~/.nexus. Every server is
started on a free port of 127.0.0.1 and stopped (SIGTERM, then SIGKILL) at the end of its scope.

Environment:
  NEXUS_BIN   the nexus binary (default: .build/release/nexus of this checkout)
  NEXUS_HOME  where the cached models' manifests are read from (default: ~/.nexus)
  NEXUS_TEST_THREADS  inference threads of the servers (default 1)
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
NEXUS_BIN = pathlib.Path(os.environ.get("NEXUS_BIN", REPO / ".build" / "release" / "nexus"))
MODELS_HOME = pathlib.Path(os.environ.get("NEXUS_HOME", pathlib.Path.home() / ".nexus"))

# The fast model for most tests, and the default model where a 135M model is too weak (tools).
SMALL = "smollm2"
TOOLS = "qwen2.5-coder:0.5b"


@dataclass
class Server:
    url: str
    home: pathlib.Path
    process: subprocess.Popen
    log: pathlib.Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        """The process runs and /health answers 200."""
        if self.process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=10) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def register_models(home: pathlib.Path, names: list[str]) -> None:
    """Copies the manifests of the cached models named (they point at the files by absolute path)."""
    source = MODELS_HOME / "models" / "manifests"
    target = home / "models" / "manifests"
    target.mkdir(parents=True)
    found = set()
    for manifest in source.glob("*.json"):
        entry = json.loads(manifest.read_text())
        if entry.get("name") in names and pathlib.Path(entry.get("path", "")).is_file():
            shutil.copy(manifest, target / manifest.name)
            found.add(entry["name"])
    missing = set(names) - found
    if missing:
        pytest.exit(f"the models {sorted(missing)} are not in {source}; run make setup", returncode=2)


def start_server(name: str, models: list[str], environment: dict[str, str] | None = None) -> Server:
    if not NEXUS_BIN.is_file():
        pytest.exit(f"{NEXUS_BIN} is missing; run make build first", returncode=2)
    home = pathlib.Path(tempfile.mkdtemp(prefix=f"nexus-{name}-"))
    register_models(home, models)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "LD_LIBRARY_PATH"}
    # One inference thread: on a busy 2-core machine, two spinning threads can slow decoding tenfold.
    threads = os.environ.get("NEXUS_TEST_THREADS", "1")
    env.update({"NEXUS_HOME": str(home), "NEXUS_THREADS": threads, "NEXUS_MODEL": SMALL})
    env.update(environment or {})
    log = home / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(NEXUS_BIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
    server = Server(url=f"http://127.0.0.1:{port}", home=home, process=process, log=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.alive():
            return server
        if process.poll() is not None:
            break
        time.sleep(0.2)
    stop_server(server)
    pytest.exit(f"nexus serve did not come up on {server.url}:\n{server.log_tail()}", returncode=2)


def stop_server(server: Server) -> int | None:
    """Stops the server gracefully (SIGTERM), killing it after 30 s; returns its exit status."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    status = server.process.returncode
    shutil.rmtree(server.home, ignore_errors=True)
    return status


@pytest.fixture(scope="session")
def server():
    """The server the client tests share: both models, two slots, a 4096-token context per slot."""
    live = start_server("clients", [SMALL, TOOLS], {"NEXUS_PARALLEL": "2", "NEXUS_CTX_SIZE": "4096"})
    yield live
    assert live.alive(), f"the server died during the client tests:\n{live.log_tail()}"
    status = stop_server(live)
    assert status == 0, f"nexus serve exited with {status} on SIGTERM"


@pytest.fixture(scope="session")
def base_url(server) -> str:
    return server.url
