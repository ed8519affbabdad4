#!/usr/bin/env bash
# Runs the Python tests (tests/python): the official ollama and openai clients and the schemathesis
# fuzzing, each against a live `nexus serve` on loopback, and the benchmarks' self-checks (no model,
# no server; alone: -k bench). The venv comes from scripts/python_env.sh (cached); the binary is
# .build/release/nexus unless NEXUS_BIN names another. Extra arguments go to pytest (e.g. -k openai, -x).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=$("$repo/scripts/python_env.sh")
cd "$repo/tests/python"
exec "$venv/bin/python" -m pytest -p no:cacheprovider -q -rfE "$@"
