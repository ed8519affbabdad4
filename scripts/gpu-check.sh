#!/usr/bin/env bash
# The GPU path, checked on a machine with CUDA, cmake and gcc but no Swift and no network:
# llama.cpp's libraries are built with CUDA from the same source Nexus was built against, put in
# place of the CPU ones beside the self-contained `nexus` (make dist), and `nexus bench` is run
# against that build's `llama-bench` on a small random-weight GGUF, alternating, every layer on
# the GPU. Prints both figures and nexus/llama-bench per test; exits 1 below the target ratio.
#
#   scripts/gpu-check.sh [--bundle gpu-bundle] [--cpu] [--rounds 3]
#
# The bundle comes from `make gpu-bundle` on the development machine: nexus as `make dist`
# packs it, the llama.cpp source as trimmed from the sdist, and the GGUF. `--cpu` builds and compares without
# CUDA, so the whole check can be tried on a machine without a GPU.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bundle="$repo/gpu-bundle" cuda=ON rounds=3 target=0.95
while [ $# -gt 0 ]; do
    case $1 in
        --bundle) bundle=$(cd "$2" && pwd); shift 2 ;;
        --cpu) cuda=OFF; shift ;;
        --rounds) rounds=$2; shift 2 ;;
        *) echo "usage: $0 [--bundle DIR] [--cpu] [--rounds N]" >&2; exit 2 ;;
    esac
done
fail() { echo "gpu-check: $*" >&2; exit 1; }
say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

for part in nexus.tar.xz llama-src.tar.xz tiny.gguf; do
    [ -f "$bundle/$part" ] || fail "$bundle/$part is missing; run make gpu-bundle on a machine with Swift and carry gpu-bundle/ here"
done
command -v xz >/dev/null || fail "xz is missing (the bundle is xz-compressed); install xz-utils"
model="$bundle/tiny.gguf"
if [ "$cuda" = ON ]; then
    command -v nvidia-smi >/dev/null || fail "no nvidia-smi: this machine has no NVIDIA driver (use --cpu to try the check without one)"
    command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ] || fail "no nvcc: install the CUDA toolkit"
    export PATH="$PATH:/usr/local/cuda/bin"
    device=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -n 1)
    say "GPU: $device"
fi
command -v cmake >/dev/null || fail "cmake is missing"

work=${GPU_CHECK_WORK:-$(mktemp -d)}
flavor=$([ "$cuda" = ON ] && echo cuda || echo cpu)
build="$work/build-$flavor"
if [ ! -f "$build/.complete" ]; then
    say "building llama.cpp ($flavor) from the bundled source in $build (minutes, once)"
    rm -rf "$work/src" "$build"
    mkdir -p "$work"
    tar -xJf "$bundle/llama-src.tar.xz" -C "$work"
    # One architecture, this machine's, and no FlashAttention kernels: the build must fit one
    # 10-minute command. Both sides use the same libraries, so the comparison stays even.
    cmake -S "$work/src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
        -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON -DCMAKE_INSTALL_RPATH='$ORIGIN' \
        -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON \
        -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
        -DGGML_NATIVE=ON -DGGML_CUDA="$cuda" -DCMAKE_CUDA_ARCHITECTURES=native -DGGML_CUDA_FA=OFF -DGGML_CUDA_NCCL=OFF >"$work/configure.log" 2>&1 \
        || { tail -n 30 "$work/configure.log" >&2; fail "configure failed; see $work/configure.log"; }
    cmake --build "$build" -j"$(nproc)" --target llama llama-common llama-bench >"$work/build.log" 2>&1 \
        || { tail -n 30 "$work/build.log" >&2; fail "build failed; see $work/build.log"; }
    touch "$build/.complete"
fi
llama_bench="$build/bin/llama-bench"

# nexus with the libraries of this build in place of the ones it was packed with (same source,
# same interface); Nexus's own shim and the system libraries stay.
runtime="$work/nexus-$flavor"
rm -rf "$runtime" "$work/dist"
mkdir -p "$work/dist"
tar -xJf "$bundle/nexus.tar.xz" -C "$work/dist"
mv "$work"/dist/nexus-*-linux-* "$runtime"
rm -f "$runtime"/lib/libggml*.so* "$runtime"/lib/libllama.so* "$runtime"/lib/libllama-common.so*
cp -P "$build"/bin/libggml*.so* "$build"/bin/libllama*.so* "$runtime/lib/"
if [ "$cuda" = ON ]; then
    [ -e "$runtime/lib/libggml-cuda.so" ] || fail "the build made no libggml-cuda.so"
fi
export NEXUS_HOME="$work/home"
mkdir -p "$NEXUS_HOME"

layers=$([ "$cuda" = ON ] && echo 99 || echo 0)
threads=$(nproc)
results="$work/results.txt"
: >"$results"
for round in $(seq 1 "$rounds"); do
    say "round $round/$rounds"
    # llama-bench: its markdown table; the "test" and "t/s" columns are found by name.
    "$llama_bench" -m "$model" -p 512 -n 128 -r 1 -ngl "$layers" -t "$threads" -o md 2>/dev/null | awk -F'|' '
        /^\| *model/ { for (i = 1; i <= NF; i++) { name = $i; gsub(/ /, "", name); column[name] = i }; next }
        !/^\|/ || /^\| *-/ || !("test" in column) { next }
        { test = $(column["test"]); gsub(/ /, "", test); split($(column["t/s"]), rate, " "); print "llama-bench", test, rate[1] }' >>"$results"
    # nexus bench: its table, "MODEL THREADS TEST RATE ± SD".
    "$runtime/nexus" bench -m "$model" -p 512 -n 128 -r 1 -t "$threads" | awk '$3 ~ /^(pp|tg)[0-9]+$/ { print "nexus", $3, $4 }' >>"$results"
done
grep -q '^nexus ' "$results" && grep -q '^llama-bench ' "$results" || { cat "$results" >&2; fail "a benchmark printed nothing"; }

report() {
    [ "$cuda" = ON ] && echo "device: $device" || echo "device: CPU, $threads threads"
    echo "model: $(basename "$model") ($(du -h "$model" | cut -f1), random weights), $rounds alternating rounds, -ngl $layers"
    awk -v target="$target" '
        { sum[$1 "|" $2] += $3; count[$1 "|" $2]++; tests[$2] = 1 }
        END {
            printf "%-8s %16s %16s %8s\n", "test", "llama-bench t/s", "nexus t/s", "ratio"
            status = 0
            for (test in tests) {
                reference = sum["llama-bench|" test] / count["llama-bench|" test]
                ours = sum["nexus|" test] / count["nexus|" test]
                ratio = ours / reference
                mark = ratio >= target ? "" : "  below target " target
                if (ratio < target) status = 1
                printf "%-8s %16.1f %16.1f %8.3f%s\n", test, reference, ours, ratio, mark
            }
            exit status
        }' "$results"
}
status=0
report | tee "$work/report.txt" || status=1
# On the device machine, what comes back: the figures and the build's logs.
if [ -n "${OUT:-}" ]; then
    cp "$work/report.txt" "$results" "$work/configure.log" "$work/build.log" "$OUT/" 2>/dev/null || true
fi
exit $status
