#!/usr/bin/env bash
# The dashboard's speed in a real browser (Debian's Chromium, headless, with Selenium from the
# tests' venv): `nexus serve` on loopback with a fresh home, an owner key and N runs written into
# its database. Measures the first contentful paint, navigation timing and the Overview's ready
# time over fresh loads of `/` from a warm server, then the Runs view: its first page, 20 clicks
# of "Show older" (1,050 rows) and a scroll to the bottom, watching for long tasks throughout.
#
#   bench/dashboard.sh [--runs N] [--loads N] [--pages N] [--assets DIR] [--keep]
#
# Defaults: 10000 runs, 15 loads, 20 older pages. --assets serves the page's files from DIR
# (e.g. Sources/NexusServer/Dashboard/Assets, to measure an edit without rebuilding) instead of
# the binary's; --keep keeps the server's home and log. NEXUS_BIN: another nexus binary.
# Targets: median first contentful paint < 300 ms; no long task over 200 ms and every page of
# runs shown within 1 s; the rows shown are exactly the runs the API pages out. Exits 1 when a
# target is missed, 2 when the benchmark could not run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

nexus=${NEXUS_BIN:-$repo/.build/release/nexus}
[ -x "$nexus" ] || { echo "bench: $nexus is missing; run make build first" >&2; exit 2; }
venv=$("$repo/scripts/python_env.sh")
exec "$venv/bin/python" -u "$repo/bench/dashboard.py" --nexus "$nexus" "$@"
