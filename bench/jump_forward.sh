#!/usr/bin/env bash
# The jump-forward benchmark: grammar-constrained requests (function calls under tool_choice
# required and auto, JSON-schema answers, and the recorded agent requests that offer tools, when
# bench/agent_speed.sh --record has kept some) sent to one `nexus serve` with jump-forward off and
# on, greedy. Each request is sent once untimed, so both sides find the same prompt cached, then
# R times each way in alternating order. Prints per kind the median seconds off and on, the ratio
# (> 1: jump-forward is faster), the forced tokens taken out of all generated (and those drafted
# and rejected), and how many outputs were identical. Target: identical outputs, never slower.
#
#   bench/jump_forward.sh [-m MODEL] [-r ROUNDS] [-t THREADS] [-o DIR]
#
# -o keeps cases.json (every case's times, tokens and whether its outputs matched) and the server
# log (default: a new temporary directory). Exits 0 whatever the figures; non-zero only when it
# cannot run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/versions.sh"

model=qwen2.5-coder:0.5b rounds=3 threads=$(nproc) results=""
while getopts "m:r:t:o:h" option; do
    case $option in
        m) model=$OPTARG ;; r) rounds=$OPTARG ;; t) threads=$OPTARG ;; o) results=$OPTARG ;;
        *) sed -n '2,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
for value in "$rounds" "$threads"; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "bench: expected a positive number, not '$value'" >&2; exit 2; }
done

source "$repo/bench/lib.sh"
require_nexus_and_model "$model"
results=${results:-$(mktemp -d "${TMPDIR:-/tmp}/nexus-jump-forward.XXXXXX")}
mkdir -p "$results/home"
results=$(cd "$results" && pwd)
home_with_model "$results/home" "$model" "$model_path"

stop_servers_on_exit
port=$(free_port)
NEXUS_HOME="$results/home" NEXUS_PARALLEL=1 NEXUS_THREADS=$threads NEXUS_CTX_SIZE=4096 \
    "$nexus" serve --host 127.0.0.1 --port "$port" --log-level warning >"$results/nexus.log" 2>&1 &
pids+=($!)
echo "==> $model, $threads threads, $rounds rounds; logs in $results" >&2
python3 "$repo/bench/jump_forward.py" --port "$port" --model "$model" --rounds "$rounds" --results "$results" \
    --recorded "$NEXUS_CACHE/agent_speed/requests-${model//[^A-Za-z0-9._-]/-}.jsonl"
