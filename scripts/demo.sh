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

step "speed (nexus bench, 1 repetition)"
$nexus bench --model "$model" -p 128 -n 32 -r 1
