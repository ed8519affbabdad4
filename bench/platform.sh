#!/usr/bin/env bash
# What the platform layer costs a request: auth (a key checked on every request), a rate limit,
# a cap on requests at once, a token quota and metering, against the same server with them off
# and no key, with a scripted model so that no model time hides the difference. Live HTTP over
# loopback at concurrency 1 and 16; rounds alternate off and on. Target: at most 1 ms added at
# p50 and at least 0.95 of the throughput.
#
#   bench/platform.sh [--requests N] [--rounds R] [--concurrency C] [--layers] [--self] [--verbose]
#
# Defaults: 1200 requests, 10 rounds in pairs (short rounds pair better on a shared machine; each
# pair runs off first once and on first once, which cancels the order), concurrency 1 and 16.
# --layers also measures the key check alone and metering alone; --self measures off against
# itself (the spread of the machine); --verbose prints every round; --profile off|on serves only
# one side, for a profiler, and compares nothing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export PATH="${SWIFT_BIN:-/opt/swift/usr/bin}:$PATH"
swift build -c release --product nexus-platform-bench >/dev/null
exec .build/release/nexus-platform-bench "$@"
