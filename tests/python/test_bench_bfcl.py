"""The function-calling benchmark's own checks (bench/bfcl_selfcheck.py), without data, a model or a
server: bench/bfcl.py's checker passes hand-made right replies and fails wrong ones (a missing parallel
call, a wrong or undeclared argument, a call on an irrelevant question), notices calls left in the text
content, and turns BFCL's parameter dialect into JSON Schema tools."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_bench_bfcl_checker_tells_right_from_wrong_replies():
    done = subprocess.run([sys.executable, str(REPO / "bench/bfcl_selfcheck.py")], cwd=REPO, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"bench/bfcl_selfcheck.py:\n{done.stdout}{done.stderr}"
