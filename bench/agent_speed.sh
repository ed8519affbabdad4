#!/usr/bin/env bash
# The agent speed benchmark: the model requests of real `nexus run` agent runs, recorded once, are
# replayed step by step against `nexus serve` with a decoding feature on (-f: jump_forward, the
# default, which is on in nexus unless a request turns it off; or speculative, prompt-lookup
# drafting, off unless asked for), the same with it off, and llama.cpp's llama-server --jinja
# built from the same cached source, on the same model file, threads and context (one slot each),
# greedy. Prints, per step kind (steps ending in a tool call, steps ending in an answer), the median
# seconds per step of each server, the ratios llama-server/nexus-on and nexus-off/nexus-on (> 1:
# nexus with the feature is faster), the share of steps whose outputs were identical, and the
# feature's drafted tokens accepted out of those drafted.
#
#   bench/agent_speed.sh --record [-m MODEL] [-k TASKS] [-s MAX_STEPS] [-t THREADS] [-x CTX] [-o DIR]
#   bench/agent_speed.sh [-m MODEL] [-f FEATURE] [-i REQUESTS] [-n STEPS] [-k TASKS] [-w first|each] [-t THREADS] [-x CTX] [-o DIR]
#
# --record (once): runs the dev tasks -k (default: eight of bench/agent/tasks.py) with
#   `nexus run --model openai:http://127.0.0.1:PROXY/v1#MODEL --no-hope`, where PROXY is a small
#   recording proxy in front of a `nexus serve`; every POST /v1/chat/completions body is appended to
#   $NEXUS_CACHE/agent_speed/requests-MODEL.jsonl (with -o: DIR/requests-MODEL.jsonl).
# Replay (default): reads -i, else DIR/requests-MODEL.jsonl when -o holds one, else the cached file;
#   -n replays only the first N requests, -k only the named tasks. Each request is sent with
#   temperature 0 and stream false; the time is from sending it to the last byte of the answer.
#   The three servers are three processes (two `nexus serve`), so no configuration finds its prompt
#   in another's cache, and the order of the three rotates from step to step so drift on a shared
#   machine hits all alike.
# Warm-up (-w), what the timed requests find in their server's cache:
#   first (default): every server gets the first recorded request once, untimed (model loaded,
#     system prompt and tools evaluated); then each request is timed once, in recorded order, so
#     each step reuses its server's cache of the step before, as a live agent's step does: the
#     measured time is evaluating the new messages plus generating the reply.
#   each: every request is sent once untimed to each server right before its timed send, so the
#     timed one finds its whole prompt cached: the measured time is generation alone (and the
#     warm-up's output is checked to be the same as the timed one's).
# Two tables: all steps (what an agent waits for, whatever each server wrote), and the steps whose
# outputs were identical on all three servers (the same work done on each). Where llama-server writes
# something else (it does not stop a tool call that the model writes without its template's tags),
# its time in the first table is that of different output, not of slower decoding.
# Targets: ≥ 1.5× faster per tool-call step than llama-server; identical outputs.
# -o keeps steps.json (every step's times, outputs and usage), summary.json and the server logs
# (default: a new temporary directory); `python3 bench/agent_speed.py report --results DIR` prints the
# tables of such a folder again. Exits 0 whatever the figures; non-zero only when it cannot run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/versions.sh"

mode=replay
arguments=()
for argument in "$@"; do
    if [ "$argument" = --record ]; then mode=record; else arguments+=("$argument"); fi
done
set -- ${arguments[@]+"${arguments[@]}"}

model=qwen2.5-coder:0.5b feature=jump_forward tasks="" steps=12 limit=0 warm=first threads=$(nproc) context=4096 results="" requests=""
while getopts "m:f:k:s:n:w:t:x:o:i:h" option; do
    case $option in
        m) model=$OPTARG ;; f) feature=$OPTARG ;; k) tasks=$OPTARG ;; s) steps=$OPTARG ;; n) limit=$OPTARG ;; w) warm=$OPTARG ;;
        t) threads=$OPTARG ;; x) context=$OPTARG ;; o) results=$OPTARG ;; i) requests=$OPTARG ;;
        *) sed -n '2,40s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
for value in "$steps" "$threads" "$context"; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "bench: expected a positive number, not '$value'" >&2; exit 2; }
done
[[ $limit =~ ^[0-9]+$ ]] || { echo "bench: -n takes a number of steps, not '$limit'" >&2; exit 2; }
case $warm in first|each) ;; *) echo "bench: -w takes first or each, not '$warm'" >&2; exit 2 ;; esac
case $feature in jump_forward|speculative) ;; *) echo "bench: -f takes jump_forward or speculative, not '$feature'" >&2; exit 2 ;; esac

source "$repo/bench/lib.sh"
require_nexus_and_model "$model"

cached="$NEXUS_CACHE/agent_speed/requests-${model//[^A-Za-z0-9._-]/-}.jsonl"
given_results=$results
results=${results:-$(mktemp -d "${TMPDIR:-/tmp}/nexus-agent-speed.XXXXXX")}
mkdir -p "$results"
results=$(cd "$results" && pwd)
in_results="$results/$(basename "$cached")"

stop_servers_on_exit

# A `nexus serve` with a home of its own whose models folder is the user's (linked, not copied).
start_nexus() {  # NAME PORT
    local home="$results/home-$1"
    mkdir -p "$home"
    [ -e "$home/models" ] || ln -s "$NEXUS_HOME/models" "$home/models"
    NEXUS_HOME="$home" NEXUS_PARALLEL=1 NEXUS_THREADS=$threads NEXUS_CTX_SIZE=$context \
        "$nexus" serve --host 127.0.0.1 --port "$2" --log-level warning >"$results/$1.log" 2>&1 &
    pids+=($!)
}

if [ $mode = record ]; then
    if [ -n "$given_results" ]; then out=$in_results; else out=$cached; fi
    mkdir -p "$(dirname "$out")"
    port=$(free_port)
    start_nexus nexus-record "$port"
    echo "==> recording with $nexus serve on port $port ($model, $threads threads, context $context); logs in $results" >&2
    python3 "$repo/bench/agent_speed.py" record --nexus "$nexus" --upstream "http://127.0.0.1:$port" \
        --model "$model" --models-dir "$NEXUS_HOME/models" ${tasks:+--tasks "$tasks"} \
        --max-steps "$steps" --out "$out" --work "$results/record"
    exit 0
fi

if [ -z "$requests" ]; then
    if [ -n "$given_results" ] && [ -f "$in_results" ]; then requests=$in_results; else requests=$cached; fi
fi
[ -f "$requests" ] || { echo "bench: no recorded requests in $requests; record them first: bench/agent_speed.sh --record" >&2; exit 1; }

llama_server=$(llama_tool llama-server)

on_port=$(free_port); start_nexus nexus-on "$on_port"
off_port=$(free_port); start_nexus nexus-off "$off_port"
llama_port=$(free_port)
"$llama_server" -m "$model_path" --host 127.0.0.1 --port "$llama_port" --jinja -t "$threads" -tb "$threads" \
    -np 1 -c "$context" --no-webui >"$results/llama-server.log" 2>&1 &
pids+=($!)

echo "==> replaying $requests: $model, $threads threads, context $context, one slot each; logs in $results" >&2
python3 "$repo/bench/agent_speed.py" replay --requests "$requests" --model "$model" --threads "$threads" \
    --ctx "$context" --warm "$warm" --feature "$feature" --limit "$limit" --tasks "$tasks" --results "$results" \
    --server "nexus-on=http://127.0.0.1:$on_port" --server "nexus-off=http://127.0.0.1:$off_port" \
    --server "llama-server=http://127.0.0.1:$llama_port"
