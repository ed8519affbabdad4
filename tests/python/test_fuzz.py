"""Fuzzes a live `nexus serve` against docs/openapi.yaml with schemathesis.

Every documented operation gets generated requests, valid and invalid (wrong types, missing fields,
odd strings, numbers at the edges): schemathesis's examples, coverage and fuzzing phases. The server
must never answer 5xx, must answer with a status and a content type the document lists, and must
still answer /health, and stop cleanly, when the fuzzing is over.

Generation is bounded (fuzz_hooks.py clamps the tokens asked for; the server has a small context).
Left out of the fuzzing, and tested on their own in test_model_admin.py instead: POST /api/pull (it
downloads from the URL it is given), DELETE /api/delete (it would remove the model the other requests
use) and POST /v1/agent/runs (it executes tools); and POST /admin/modules/builds (each build runs the
model for minutes in the background; ModuleBuildAPITests covers it).

NEXUS_FUZZ_EXAMPLES sets the examples per operation (default 15).
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest
import yaml
from xml.etree import ElementTree

from conftest import REPO, SMALL, start_server, stop_server

HERE = REPO / "tests" / "python"
EXAMPLES = os.environ.get("NEXUS_FUZZ_EXAMPLES", "15")
EXCLUDED = ("ollamaPull", "ollamaDelete", "startAgentRun", "startModuleBuild")


def operations(document: dict) -> list[str]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return [operation["operationId"] for item in document["paths"].values()
            for method, operation in item.items() if method in methods]


@pytest.fixture(scope="module")
def fuzz_server():
    live = start_server("fuzz", [SMALL], {"NEXUS_PARALLEL": "2", "NEXUS_CTX_SIZE": "1024"})
    yield live
    stop_server(live)


def test_fuzzing_finds_no_5xx_and_the_server_survives(fuzz_server, tmp_path):
    command = [
        str(pathlib_bin("schemathesis")), "run", str(REPO / "docs" / "openapi.yaml"),
        "--url", fuzz_server.url,
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance",
        *[argument for operation in EXCLUDED for argument in ("--exclude-operation-id", operation)],
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", EXAMPLES, "--seed", "20261122", "--generation-deterministic",
        "--workers", "1", "--request-timeout", "300", "--no-color",
        "--suppress-health-check", "all",
        "--report", "junit", "--report-junit-path", str(tmp_path / "junit.xml"),
    ]
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_hooks",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=1800)
    report = run.stdout[-12000:] + run.stderr[-4000:]
    assert run.returncode == 0, f"schemathesis found problems:\n{report}\n\nserver log:\n{fuzz_server.log_tail(60)}"
    # Every operation left in was really exercised (a run that tested nothing would also exit 0).
    tested = {case.get("name") for case in ElementTree.parse(tmp_path / "junit.xml").iter("testcase")}
    documented = operations(yaml.safe_load((REPO / "docs" / "openapi.yaml").read_text()))
    assert len(tested) >= len(documented) - len(EXCLUDED), f"only {sorted(tested)} were fuzzed:\n{report}"
    assert fuzz_server.alive(), f"the server stopped answering /health after the fuzzing:\n{fuzz_server.log_tail(60)}"
    assert stop_server(fuzz_server) == 0, f"nexus serve did not stop cleanly after the fuzzing:\n{fuzz_server.log_tail(60)}"


def pathlib_bin(name: str) -> pathlib.Path:
    """A console script of this venv."""
    return pathlib.Path(sys.executable).parent / name
