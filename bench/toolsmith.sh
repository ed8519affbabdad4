#!/usr/bin/env bash
# The toolsmith benchmark: each specification in bench/toolsmith/specs (text, CSV and JSON
# transforms, arithmetic, counting, format conversion, small parsers) is built with
# `nexus modules build` from its description and its visible examples; the module is then called
# on the spec's held-out cases, which neither the model nor the toolsmith ever saw. Prints per
# spec the outcome, attempts, tokens and wall time, then the success rate on held-out tests,
# attempts to success, tokens, time, and how many builds ended on a repeated failure fingerprint.
#
#   bench/toolsmith.sh [-m MODEL] [-k NAME,NAME...] [-a ATTEMPTS] [-o DIR]
#
# -m: the model for both purposes: a name, a .gguf path or openai:URL#MODEL (default: the default
#     local model); -g uses $NEXUS_HOME/gateway.json's build and repair routes instead.
# -k: only the specs named; -a: attempts per build (default 10); -o: the results folder.
# Exits 0 whatever the figures; non-zero only when the benchmark could not run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/versions.sh"

model=qwen2.5-coder:0.5b only="" attempts=10 results="" gateway=""
while getopts "m:k:a:o:gh" option; do
    case $option in
        m) model=$OPTARG ;; k) only=$OPTARG ;; a) attempts=$OPTARG ;; o) results=$OPTARG ;; g) gateway=--gateway ;;
        *) sed -n '2,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
[[ $attempts =~ ^([1-9]|10)$ ]] || { echo "bench: -a takes 1 to 10, not '$attempts'" >&2; exit 2; }
[[ $only =~ ^[a-z0-9_,]*$ ]] || { echo "bench: -k takes spec names separated by commas, not '$only'" >&2; exit 2; }

source "$repo/bench/lib.sh"
if [[ $model == openai:* || -n $gateway ]]; then
    nexus=${NEXUS_BIN:-$repo/.build/release/nexus}
    [ -x "$nexus" ] || { echo "bench: $nexus is missing; run make build first" >&2; exit 1; }
    model_path=$model
else
    require_nexus_and_model "$model"
fi

results=${results:-$(mktemp -d "${TMPDIR:-/tmp}/nexus-toolsmith-bench.XXXXXX")}
[ ! -e "$results/builds.jsonl" ] || { echo "bench: $results holds an earlier run; pick a new -o folder" >&2; exit 2; }
mkdir -p "$results"

python3 "$repo/bench/toolsmith.py" --nexus "$nexus" --model "$model_path" --label "$model" --specs "$repo/bench/toolsmith/specs" \
    --only "$only" --attempts "$attempts" --results "$results" $gateway
