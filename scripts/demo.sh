#!/usr/bin/env bash
# `make demo`: a real task on the default model, in-process through llama.cpp.
set -euo pipefail
cd "$(dirname "$0")/.."
nexus=.build/release/nexus
model=${NEXUS_MODEL:-qwen2.5-coder:0.5b}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "models in the store"
$nexus models list

step "nexus generate (model $model, greedy)"
$nexus generate --model "$model" --temperature 0 --max-tokens 120 \
    "Write a Python function that returns the number of lines in a text file. Reply with code only."

cat >"$work/task.json" <<'JSON'
{
  "type": "object",
  "properties": {
    "language": {"type": "string", "enum": ["python", "swift", "go", "rust"]},
    "files": {"type": "array", "items": {"type": "string", "maxLength": 40}, "minItems": 1, "maxItems": 3},
    "steps": {"type": "integer", "minimum": 1, "maximum": 10}
  },
  "required": ["language", "files", "steps"],
  "additionalProperties": false
}
JSON
step "constrained output: a plan as JSON valid against $work/task.json"
$nexus generate --model "$model" --temperature 0 --json-schema "$work/task.json" \
    "Plan a small Python script that counts the .py files in a folder: its language, the files to write, and how many steps."

step "an agent task: nexus run in a fresh workspace ($work/project)"
mkdir -p "$work/project"
printf 'print("hello")\n' >"$work/project/main.py"
printf 'def add(a, b):\n    return a + b\n' >"$work/project/util.py"
printf '# Project\n' >"$work/project/README.md"
$nexus run --model "$model" --workspace "$work/project" --max-steps 4 \
    "Create a file named summary.txt containing the text: This project has 3 files" || true
echo "summary.txt now holds: $(cat "$work/project/summary.txt" 2>/dev/null || echo '(not written)')"

step "the trace of that run (nexus runs show)"
$nexus runs show "$($nexus runs list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"

step "speed (nexus bench, 1 repetition)"
$nexus bench --model "$model" -p 128 -n 32 -r 1
