#!/usr/bin/env bash
# The server benchmark: `nexus serve` (NEXUS_PARALLEL=4) against llama.cpp's llama-server -np 4, built
# from the same cached source, on the same model file, threads and context per slot. Both servers run
# side by side (idle ones use no CPU) and the measured waves alternate between them, so drift on a
# shared machine hits both alike. Each wave sends CONCURRENCY streaming chat requests at once
# (/v1/chat/completions, temperature 0, the same prompts, max_tokens fixed) and records each request's
# time to first token and the wave's aggregate tokens/s (completion tokens / wall time of the wave).
# Concurrency 1 runs four waves per round (four TTFT samples per server), the others one.
# Prints one table with the medians and the ratios nexus/llama-server.
#
#   bench/server.sh [-m MODEL] [-n MAX_TOKENS] [-c "1 4 8"] [-r ROUNDS] [-t THREADS] [-x CTX_PER_SLOT] [-o DIR]
#
# Targets (issue 5): TTFT ≤ 1.0 × and aggregate tokens/s ≥ 1.0 × llama-server -np 4.
# Exits 0 whatever the figures; non-zero only when the benchmark could not run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/versions.sh"

model=qwen2.5-coder:0.5b tokens=64 levels="1 4 8" rounds=3 threads=$(nproc) context=4096 results="" slots=4
while getopts "m:n:c:r:t:x:o:h" option; do
    case $option in
        m) model=$OPTARG ;; n) tokens=$OPTARG ;; c) levels=$OPTARG ;; r) rounds=$OPTARG ;;
        t) threads=$OPTARG ;; x) context=$OPTARG ;; o) results=$OPTARG ;;
        *) sed -n '2,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
for value in "$tokens" "$rounds" "$threads" "$context" $levels; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "bench: expected a positive number, not '$value'" >&2; exit 2; }
done

source "$repo/bench/lib.sh"
require_nexus_and_model "$model"

llama_server=$(llama_tool llama-server)

results=${results:-$(mktemp -d "${TMPDIR:-/tmp}/nexus-server-bench.XXXXXX")}
mkdir -p "$results"

# nexus serve gets a home of its own that registers only this model.
home="$results/nexus-home"
home_with_model "$home" "$model" "$model_path"

stop_servers_on_exit

llama_port=$(free_port)
"$llama_server" -m "$model_path" --host 127.0.0.1 --port "$llama_port" --jinja -t "$threads" -tb "$threads" \
    -np "$slots" -c $((context * slots)) --no-webui >"$results/llama-server.log" 2>&1 &
pids+=($!)
nexus_port=$(free_port)
NEXUS_HOME="$home" NEXUS_PARALLEL=$slots NEXUS_THREADS=$threads NEXUS_CTX_SIZE=$context NEXUS_QUEUE_LIMIT=64 \
    "$nexus" serve --host 127.0.0.1 --port "$nexus_port" --log-level warning >"$results/nexus-serve.log" 2>&1 &
pids+=($!)

echo "==> $model, $threads threads, $slots slots of $context tokens, max_tokens $tokens; logs in $results" >&2
python3 "$repo/bench/server_load.py" --model "$model" --max-tokens "$tokens" --levels "$levels" --rounds "$rounds" \
    --server "llama-server=http://127.0.0.1:$llama_port" --server "nexus=http://127.0.0.1:$nexus_port" \
    --results "$results"
