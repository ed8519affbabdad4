#!/usr/bin/env bash
# The HOPE benchmark: a workload of task families (count a file's lines, write quoted text into a
# file, count a folder's files, copy, rename, ...; then families with bare names such as box1,
# intro2 or flag, two parameters, and wordings that change from one variation to the next), each
# run as variations, in sequence on a fresh NEXUS_HOME (bench/hope_workload.py). Each run gets a
# fresh workspace and is judged by its end state and/or answer; the verdict goes back with
# `nexus feedback`, and `nexus crystallize` runs after every run. Prints per run the mode, model
# tokens and wall time, then the totals against HOPE's targets.
#
#   bench/hope.sh [-f FAMILIES] [-k NAME,NAME...] [-v VARIATIONS] [-m MODEL] [-o DIR] [-b]
#
# -k: only the families named (comma-separated): count_lines, write_text, copy_file, rename,
#     append_line, make_folder, replace_word, first_line, count_files, uppercase, box_count,
#     first_word, write_word, copy_bare, rename_bare.
# -f: the first N of the 15 families (of those -k names; default all); -v: variations per family
#     (default 10; box_count ... rename_bare have ten distinct variations and repeat beyond).
# -b: measure the LEARNER-only side for real (the same workload with --no-hope on a second fresh
#     home) instead of estimating it from the learner runs; about doubles the time or more.
# -o: the results folder (homes, workspaces, logs, runs.jsonl with every run); default a new temporary one.
# Targets: a crystallized repeat ≥ 100 × faster than its LEARNER run with 0 model tokens; success rate
# of repeats ≥ that of the first runs; model tokens over the workload down ≥ 80 % against LEARNER-only;
# 0 wrong replays (FOLLOWER or CRYSTALLIZED runs whose check fails); 0 misled guidance (MIXED runs
# whose answer or written files carry a value of an earlier variation that the task lacks).
# Exits 0 whatever the figures; non-zero only when the benchmark could not run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/versions.sh"

families="" only="" variations=10 model=qwen2.5-coder:0.5b results="" baseline=""
while getopts "f:k:v:m:o:bh" option; do
    case $option in
        f) families=$OPTARG ;; k) only=$OPTARG ;; v) variations=$OPTARG ;; m) model=$OPTARG ;; o) results=$OPTARG ;;
        b) baseline=--baseline ;;
        *) sed -n '2,25s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
for value in ${families:+"$families"} "$variations"; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "bench: expected a positive number, not '$value'" >&2; exit 2; }
done
[[ $only =~ ^[a-z_,]*$ ]] || { echo "bench: -k takes family names separated by commas, not '$only'" >&2; exit 2; }

source "$repo/bench/lib.sh"
require_nexus_and_model "$model"
"$nexus" crystallize --help >/dev/null 2>&1 || { echo "bench: $nexus has no HOPE (nexus crystallize); rebuild it" >&2; exit 1; }

results=${results:-$(mktemp -d "${TMPDIR:-/tmp}/nexus-hope-bench.XXXXXX")}
[ ! -e "$results/hope" ] || { echo "bench: $results holds an earlier run; pick a new -o folder" >&2; exit 2; }
mkdir -p "$results"

python3 "$repo/bench/hope_workload.py" --nexus "$nexus" --model "$model" --model-path "$model_path" \
    ${families:+--families "$families"} --only "$only" --variations "$variations" --results "$results" \
    --max-steps 8 --timeout 300 $baseline
