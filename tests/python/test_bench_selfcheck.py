"""The benchmarks' own checks, without a model or a server.

- bench/agent/selfcheck.py: every task of the agent benchmark (bench/agent/tasks.py) has a check
  that fails on the untouched workspace, on a wrong answer and on a near miss, and a reference
  solution that passes it; every kind has tasks in both halves.
- bench/hope_selfcheck.py: every variation of HOPE's workload (bench/hope_workload.py) has a check
  that fails on the untouched workspace and on the previous variation's answer, and a reference
  solution that passes it; the misled-guidance detector flags an earlier variation's values and
  not the reference solutions.
"""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def run_selfcheck(script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / script)], cwd=REPO, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def test_agent_tasks_checks_can_fail_and_reference_solutions_pass():
    done = run_selfcheck("bench/agent/selfcheck.py")
    assert done.returncode == 0, f"bench/agent/selfcheck.py:\n{done.stdout}{done.stderr}"


def test_hope_workload_checks_and_misled_guidance_detector():
    done = run_selfcheck("bench/hope_selfcheck.py")
    assert done.returncode == 0, f"bench/hope_selfcheck.py:\n{done.stdout}{done.stderr}"
