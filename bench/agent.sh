#!/usr/bin/env bash
# The agent benchmark: Nexus's agent loop (`nexus run`) against a plain OpenAI tool-calling loop
# over llama.cpp's llama-server (bench/agent/plain_loop.py), on the same model, the same steps
# budget and the same tasks (bench/agent/tasks.py), each run in a fresh workspace and judged only
# by the workspace's end state and/or the final answer. Prints a table, both success counts, and
# the success per half (dev, heldout, with the gap) and per kind of task.
#
#   bench/agent.sh [-m MODEL] [-s MAX_STEPS] [-k TASK_FILTER] [-H dev|heldout|both] [-S both|nexus|plain]
#                  [-t THREADS] [-o DIR] [-A NEXUS_RUN_OPTIONS]
#
# -k keeps the tasks whose name contains one of the comma-separated words (e.g. -k count,csv).
# -H runs one half of the tasks (default both). The held-out half is never used to tune the loop;
#    it is run only to report how far the dev half's success carries over.
# -A passes options to every `nexus run`, to measure one of the loop's strategies over the corpus:
#    -A '--without-check grounded' (an answer check left out), -A '--offer all', -A '--redraws 0'.
# -S plain runs only the baseline (useful while `nexus run` is unavailable), -S nexus only Nexus.
# Exits 0 whatever the scores; non-zero only when the benchmark could not run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/versions.sh"

model=qwen2.5-coder:0.5b steps=12 filter="" half=both sides=both threads=2 results="" nexus_args=""
while getopts "m:s:k:H:S:t:o:A:h" option; do
    case $option in
        m) model=$OPTARG ;; s) steps=$OPTARG ;; k) filter=$OPTARG ;; H) half=$OPTARG ;; S) sides=$OPTARG ;;
        t) threads=$OPTARG ;; o) results=$OPTARG ;; A) nexus_args=$OPTARG ;;
        *) sed -n '2,17s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
case $sides in both|nexus|plain) ;; *) echo "bench: -S takes both, nexus or plain, not $sides" >&2; exit 2 ;; esac
case $half in both|dev|heldout) ;; *) echo "bench: -H takes dev, heldout or both, not $half" >&2; exit 2 ;; esac
[[ $steps =~ ^[1-9][0-9]*$ ]] || { echo "bench: -s takes a positive number of steps, not $steps" >&2; exit 2; }

nexus=${NEXUS_BIN:-$repo/.build/release/nexus}   # NEXUS_BIN: another nexus binary to measure
if [ "$sides" != plain ]; then
    [ -x "$nexus" ] || { echo "bench: $nexus is missing; run make build first (or -S plain for the baseline only)" >&2; exit 1; }
    if ! "$nexus" run --help 2>&1 | grep -q -- '--max-steps'; then
        echo "bench: nexus run not available in $nexus (rebuild with make build, or use -S plain for the baseline only)" >&2
        exit 1
    fi
fi

# The model's file: from nexus's catalog when there is one, else the known default names.
model_path=""
if [ -x "$nexus" ]; then
    model_path=$("$nexus" models list --json 2>/dev/null | python3 -c '
import json, sys
for m in json.load(sys.stdin):
    if m["name"] == sys.argv[1]:
        print(m["path"])' "$model" 2>/dev/null || true)
fi
if [ -z "$model_path" ]; then
    case $model in
        qwen2.5-coder:0.5b) model_path="$NEXUS_HOME/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf" ;;
        smollm2) model_path="$NEXUS_HOME/models/SmolLM2-135M-Instruct.Q4_1.gguf" ;;
    esac
fi
[ -n "$model_path" ] && [ -f "$model_path" ] || { echo "bench: model $model is not installed; run make setup" >&2; exit 1; }

results=${results:-$(mktemp -d "${TMPDIR:-/tmp}/nexus-agent-bench.XXXXXX")}
mkdir -p "$results/logs" "$results/workspaces"

url=""
if [ "$sides" != nexus ]; then
    llama_server="$LLAMA_DIR/build/bin/llama-server"
    if [ ! -x "$llama_server" ]; then
        echo "==> building llama-server from the cached llama.cpp source" >&2
        cmake --build "$LLAMA_DIR/build" --target llama-server -j2 >"$LLAMA_DIR/llama-server-build.log" 2>&1 \
            || { echo "bench: llama-server did not build; see $LLAMA_DIR/llama-server-build.log" >&2; exit 1; }
    fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$llama_server" -m "$model_path" --host 127.0.0.1 --port "$port" --jinja -c 8192 -np 1 -t "$threads" \
        >"$results/logs/llama-server.log" 2>&1 &
    server_pid=$!
    trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true' EXIT
    trap 'exit 130' INT TERM
    url="http://127.0.0.1:$port"
    echo "==> llama-server (pid $server_pid) loading $model on $url" >&2
    for _ in $(seq 1 240); do
        kill -0 "$server_pid" 2>/dev/null || { echo "bench: llama-server exited; see $results/logs/llama-server.log" >&2; exit 1; }
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health" || true)" = 200 ] && break
        sleep 0.5
    done
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health" || true)" = 200 ] \
        || { echo "bench: llama-server was not ready after 120 s; see $results/logs/llama-server.log" >&2; exit 1; }
fi

python3 "$repo/bench/agent/run_bench.py" --nexus "$nexus" --model "$model" --models-dir "$NEXUS_HOME/models" \
    --url "$url" --max-steps "$steps" --filter "$filter" --half "$half" --sides "$sides" --results "$results" \
    --threads "$threads" --ctx 8192 --nexus-args "$nexus_args"
