#!/usr/bin/env bash
# `make fuzz`: builds every libFuzzer target in its own scratch path (.build-fuzz; NEXUS_FUZZ=1 selects
# the fuzz manifest in Package.swift) and runs each for FUZZ_SECONDS, starting from its seed corpus
# in Fuzz/Corpus. New inputs collect in .build-fuzz/corpus (kept between runs), crashing inputs in
# .build-fuzz/findings/<target>/. Exits non-zero when any target finds a crash. See docs/fuzzing.md.
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_TARGETS   which targets (default: all six)
#   SWIFT          the swift command (default: swift)
set -euo pipefail
cd "$(dirname "$0")/.."

read -r -a swift <<< "${SWIFT:-swift}"
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"JSON RequestBody JSONSchema TOML Modelfile GGUF"}
scratch=.build-fuzz
export NEXUS_FUZZ=1
# Swift's own backtracer would race libFuzzer's crash handler; leaks in the Swift runtime's caches are not findings.
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1

# --sanitize links libFuzzer's main in place of the executables' own; -Xswiftc adds the coverage
# instrumentation libFuzzer needs to Swift code (SwiftPM's flag alone leaves Swift uninstrumented).
"${swift[@]}" build --scratch-path "$scratch" --sanitize fuzzer --sanitize address \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library

summary="$scratch/summary.txt"
: > "$summary"
failed=()
for target in $targets; do
    binary="$scratch/debug/Fuzz$target"
    corpus="$scratch/corpus/$target"
    findings="$scratch/findings/$target"
    log="$scratch/logs/$target.log"
    mkdir -p "$corpus" "$findings" "$(dirname "$log")"
    echo "fuzz: $target for ${seconds}s"
    status=0
    "$binary" "$corpus" "Fuzz/Corpus/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=16384 -artifact_prefix="$findings/" -print_final_stats=1 > "$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    units=$(find "$corpus" -type f | wc -l | tr -d ' ')
    line="Fuzz$target: ${runs:-?} executions, ${rate:-?} exec/s, corpus $units inputs"
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        line="$line, FINDING (exit $status): $(ls "$findings" | head -3 | tr '\n' ' ') see $log"
        grep -m 3 -E "Fatal error|ERROR: |SUMMARY" "$log" || true
    fi
    echo "  $line"
    echo "$line" >> "$summary"
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]}; reproduce with $scratch/debug/Fuzz<target> <input file>" >&2
    exit 1
fi
echo "fuzz: no findings (summary in $summary)"
