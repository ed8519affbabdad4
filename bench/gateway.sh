#!/usr/bin/env bash
# What the gateway adds to each call: the same in-memory backend called directly and through the
# gateway (planning, budget checks, the attempt's time-limit race, metering), interleaved in one
# run on the same machine. Prints p50 and p99 of each and the overhead. Target: ≤ 0.5 ms at p50.
# A figure to watch, not a pass/fail test: the benchmark
# (Tests/NexusInferenceTests/GatewayBenchmark.swift) asserts no timing and a plain `swift test` skips it.
#
#   bench/gateway.sh [-n CALLS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

runs=5000
while getopts "n:" option; do
    case $option in
        n) runs=$OPTARG ;;
        *) sed -n '2,9s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench: -n takes a positive number, not '$runs'" >&2; exit 2; }

cd "$repo"
echo "==> building the tests (release)" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build -c release --build-tests >"$log" 2>&1 || { cat "$log" >&2; echo "bench: the build failed" >&2; exit 1; }
echo "==> $runs calls each" >&2
NEXUS_BENCH_GATEWAY=1 NEXUS_BENCH_RUNS=$runs \
    swift test -c release --skip-build --filter 'GatewayBenchmark' >"$log" 2>&1 || { cat "$log" >&2; echo "bench: the benchmark failed" >&2; exit 1; }
grep '^gateway-bench: ' "$log" | sed 's/^gateway-bench: //'
