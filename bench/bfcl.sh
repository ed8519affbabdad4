#!/usr/bin/env bash
# The function-calling benchmark: a fixed sample of the Berkeley Function Calling Leaderboard (BFCL v4)
# cases sent to `nexus serve` and to llama.cpp's llama-server --jinja, on the same model file, threads
# and context, one request at a time (/v1/chat/completions, tools from the case's functions,
# tool_choice auto, temperature 0), each reply scored by bench/bfcl.py's checker. Prints one table:
# per category the correct replies of each server, its HTTP errors and its calls left in the text
# content instead of tool_calls, then how many of those would have been right had they been read.
#
#   bench/bfcl.sh [-m MODEL] [-n CASES_PER_CATEGORY] [-c "simple multiple parallel parallel_multiple irrelevance"]
#                 [-k MAX_TOKENS] [-t THREADS] [-x CTX] [-o DIR]
#
# The sample is every k-th case of each category (-n of them, default 20), the same on every run.
# The data come from the bfcl-eval wheel on PyPI, fetched once with pip, checked against the sha256
# pinned below and kept in $NEXUS_CACHE/bfcl/ (never in the repository). -o keeps the per-case replies
# (cases.json), the summary and the servers' logs (default: a new temporary directory).
# Exits 0 whatever the scores; non-zero only when the benchmark could not run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/versions.sh"

BFCL_VERSION=2026.3.23
BFCL_WHEEL=bfcl_eval-$BFCL_VERSION-py3-none-any.whl
BFCL_SHA256=3bb6dfa5f0c68ad403c9ec50b00db2bb3b4cc9b38ab1ff33f48fe30d853d3a0a

model=qwen2.5-coder:0.5b per_category=20 categories="simple multiple parallel parallel_multiple irrelevance"
tokens=256 threads=$(nproc) context=4096 results=""
while getopts "m:n:c:k:t:x:o:h" option; do
    case $option in
        m) model=$OPTARG ;; n) per_category=$OPTARG ;; c) categories=$OPTARG ;; k) tokens=$OPTARG ;;
        t) threads=$OPTARG ;; x) context=$OPTARG ;; o) results=$OPTARG ;;
        *) sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
for value in "$per_category" "$tokens" "$threads" "$context"; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "bench: expected a positive number, not '$value'" >&2; exit 2; }
done
for category in $categories; do
    case $category in simple|multiple|parallel|parallel_multiple|irrelevance) ;;
        *) echo "bench: unknown category '$category' (simple multiple parallel parallel_multiple irrelevance)" >&2; exit 2 ;;
    esac
done

# The data: the pinned wheel, downloaded once.
cache="$NEXUS_CACHE/bfcl"
wheel="$cache/$BFCL_WHEEL"
sha_of() { python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"; }
if [ ! -f "$wheel" ] || [ "$(sha_of "$wheel")" != "$BFCL_SHA256" ]; then
    echo "==> fetching bfcl-eval $BFCL_VERSION from PyPI into $cache" >&2
    mkdir -p "$cache"
    download=$(mktemp -d "$cache/download.XXXXXX")
    if ! python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$download" \
        "bfcl-eval==$BFCL_VERSION" >&2; then
        rm -rf "$download"; echo "bench: pip could not download bfcl-eval==$BFCL_VERSION" >&2; exit 1
    fi
    if [ ! -f "$download/$BFCL_WHEEL" ] || [ "$(sha_of "$download/$BFCL_WHEEL")" != "$BFCL_SHA256" ]; then
        rm -rf "$download"; echo "bench: the downloaded $BFCL_WHEEL is missing or its sha256 is not $BFCL_SHA256" >&2; exit 1
    fi
    mv "$download/$BFCL_WHEEL" "$wheel"
    rm -rf "$download"
fi

source "$repo/bench/lib.sh"
require_nexus_and_model "$model"

llama_server=$(llama_tool llama-server)

results=${results:-$(mktemp -d "${TMPDIR:-/tmp}/nexus-bfcl-bench.XXXXXX")}
mkdir -p "$results"

# nexus serve gets a home of its own that registers only this model.
home="$results/nexus-home"
home_with_model "$home" "$model" "$model_path"

stop_servers_on_exit

# One slot each, the same context and threads; the requests go one at a time, so the idle server
# leaves the cores to the busy one.
llama_port=$(free_port)
"$llama_server" -m "$model_path" --host 127.0.0.1 --port "$llama_port" --jinja -t "$threads" -tb "$threads" \
    -np 1 -c "$context" --no-webui >"$results/llama-server.log" 2>&1 &
pids+=($!)
nexus_port=$(free_port)
NEXUS_HOME="$home" NEXUS_PARALLEL=1 NEXUS_THREADS=$threads NEXUS_CTX_SIZE=$context \
    "$nexus" serve --host 127.0.0.1 --port "$nexus_port" --log-level warning >"$results/nexus-serve.log" 2>&1 &
pids+=($!)

for pid in "${pids[@]}"; do
    sleep 1
    kill -0 "$pid" 2>/dev/null || { echo "bench: a server exited at start; see the logs in $results" >&2; exit 1; }
done

echo "==> $model, $threads threads, context $context, max_tokens $tokens, $per_category cases per category; results in $results" >&2
python3 "$repo/bench/bfcl.py" --wheel "$wheel" --categories "$categories" --per-category "$per_category" \
    --model "$model" --max-tokens "$tokens" --results "$results" \
    --server "nexus=http://127.0.0.1:$nexus_port" --server "llama-server=http://127.0.0.1:$llama_port"
