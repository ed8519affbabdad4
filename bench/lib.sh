# Shared by the benchmark scripts (sourced): the nexus binary to measure and the model's file.

# Sets `nexus` (NEXUS_BIN, or this checkout's release build) and `model_path` (the file of the
# model named $1 in nexus's catalog), or exits with a line that says what to do.
require_nexus_and_model() {
    nexus=${NEXUS_BIN:-$repo/.build/release/nexus}   # NEXUS_BIN: another nexus binary to measure
    [ -x "$nexus" ] || { echo "bench: $nexus is missing; run make build first" >&2; exit 1; }
    model_path=$("$nexus" models list --json 2>/dev/null | python3 -c '
import json, sys
for m in json.load(sys.stdin):
    if m["name"] == sys.argv[1]:
        print(m["path"])' "$1" || true)
    [ -n "$model_path" ] && [ -f "$model_path" ] || { echo "bench: model $1 is not installed; run make setup" >&2; exit 1; }
}

# Prints the path of llama.cpp's tool $1 (llama-server, llama-bench), built once from the cached
# source with the same build settings as the libraries nexus links.
llama_tool() {
    local tool="$LLAMA_DIR/build/bin/$1"
    if [ ! -x "$tool" ]; then
        echo "==> building $1 from the cached llama.cpp source" >&2
        cmake --build "$LLAMA_DIR/build" --target "$1" -j"$(nproc)" >"$LLAMA_DIR/$1-build.log" 2>&1 \
            || { echo "bench: $1 did not build; see $LLAMA_DIR/$1-build.log" >&2; exit 1; }
    fi
    echo "$tool"
}

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Servers a benchmark starts are added to `pids` and stopped when it exits, however it exits.
pids=()
stop_started_servers() {
    for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
    for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" 2>/dev/null || true; done
}
stop_servers_on_exit() {
    trap stop_started_servers EXIT
    trap 'exit 130' INT TERM
}

# Makes $1 a nexus home that registers only model $2 at $3 (its manifest, not a copy of the file).
home_with_model() {
    mkdir -p "$1/models/manifests"
    python3 - "$1/models/manifests/model.json" "$2" "$3" <<'PY'
import json, os, sys
target, name, path = sys.argv[1:]
json.dump({"name": name, "path": path, "size": os.path.getsize(path)}, open(target, "w"))
PY
}
