#!/usr/bin/env bash
# Nexus's engine against llama.cpp's own llama-bench, built from the same cached source, on the
# same models and threads. Runs alternate (llama-bench, nexus, llama-bench, ...) so drift on a
# shared machine hits both alike, then prints both figures and nexus/llama-bench ratios.
#
#   bench/inference.sh [-m "smollm2 qwen2.5-coder:0.5b"] [-p 512] [-n 128] [-t 2] [-r 5]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/versions.sh"
source "$repo/bench/lib.sh"

models="smollm2 qwen2.5-coder:0.5b"
prompt=512 generate=128 threads=$(nproc) rounds=5
while getopts "m:p:n:t:r:" option; do
    case $option in
        m) models=$OPTARG ;; p) prompt=$OPTARG ;; n) generate=$OPTARG ;;
        t) threads=$OPTARG ;; r) rounds=$OPTARG ;;
        *) echo "usage: $0 [-m MODELS] [-p N] [-n N] [-t THREADS] [-r ROUNDS]" >&2; exit 2 ;;
    esac
done

nexus="$repo/.build/release/nexus"
[ -x "$nexus" ] || { echo "bench: $nexus is missing; run make build first" >&2; exit 1; }
llama_bench=$(llama_tool llama-bench)

exec python3 "$repo/bench/compare_inference.py" --nexus "$nexus" --llama-bench "$llama_bench" \
    --models "$models" --prompt "$prompt" --generate "$generate" --threads "$threads" --rounds "$rounds"
