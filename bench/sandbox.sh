#!/usr/bin/env bash
# What the sandbox costs per command: `true` started through Sandbox.run (user/mount/pid/ipc/
# uts/cgroup/net namespaces, Landlock, seccomp, rlimits) and through Sandbox.unsandboxed (the
# same runner, pipes and waiting, without isolation), in alternating blocks in one run on the same
# machine. Prints p50 and p99 of each and the sandboxed/unsandboxed ratio. A figure to watch,
# not a pass/fail test: the benchmark (Tests/NexusToolsTests/SandboxBenchmark.swift) asserts
# no timing and is skipped by a plain `swift test`.
#
#   bench/sandbox.sh [-n RUNS]
#
# NEXUS_PACKAGE_DIR points it at another checkout of the package (default: this one).
set -euo pipefail
repo=${NEXUS_PACKAGE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}

runs=200
while getopts "n:" option; do
    case $option in
        n) runs=$OPTARG ;;
        *) echo "usage: $0 [-n RUNS]" >&2; exit 2 ;;
    esac
done

cd "$repo"
echo "==> building the tests (release)" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build -c release --build-tests >"$log" 2>&1 || { cat "$log" >&2; echo "bench: the build failed" >&2; exit 1; }
echo "==> $runs runs each" >&2
NEXUS_BENCH_SANDBOX=1 NEXUS_BENCH_RUNS=$runs \
    swift test -c release --skip-build --filter 'SandboxBenchmark' >"$log" 2>&1 || { cat "$log" >&2; echo "bench: the benchmark failed" >&2; exit 1; }
grep '^sandbox-bench: ' "$log" | sed 's/^sandbox-bench: //'
