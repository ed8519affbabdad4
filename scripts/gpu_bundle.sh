#!/usr/bin/env bash
# make gpu-bundle: what scripts/gpu-check.sh needs on a GPU machine without Swift or network,
# in gpu-bundle/ (under 64 MiB, so it can be carried there; xz, since gzip does not fit):
#   nexus.tar.xz       nexus-VERSION-linux-ARCH/ of make dist (reused when it is this commit's),
#                      without the Lua worker, which the check does not run
#   llama-src.tar.xz   the llama.cpp source Nexus was built from, without its docs, models and the
#                      backends the check does not build
#   tiny.gguf          a random-weight Llama GGUF (scripts/tiny_gguf.py, gguf from PyPI)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
source scripts/versions.sh
out="$repo/gpu-bundle"
say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

# NEXUS_DIST names a dist folder to pack instead (one built earlier, to try the check's steps).
version=$(git describe --always --dirty 2>/dev/null || echo dev)
dist=${NEXUS_DIST:-dist/nexus-$version-linux-$(uname -m)}
[ -x "$dist/nexus" ] || SWIFT="${SWIFT:-swift}" scripts/dist.sh

source_dir="$LLAMA_DIR/src"
[ -f "$source_dir/CMakeLists.txt" ] || { echo "gpu-bundle: $source_dir is missing; run make setup" >&2; exit 1; }

venv="$NEXUS_CACHE/gguf-0.17.1"
if [ ! -f "$venv/.complete" ]; then
    say "installing gguf from PyPI into $venv (once)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input gguf==0.17.1 numpy==2.4.6
    touch "$venv/.complete"
fi

rm -rf "$out"
mkdir -p "$out"
say "packing nexus and llama.cpp's source (xz, a minute)"
XZ_OPT="-6 -T0" tar -cJf "$out/nexus.tar.xz" -C dist --exclude=nexus-lua-worker "$(basename "$dist")"
# Only what a CPU or CUDA build of the libraries and llama-bench reads.
XZ_OPT="-6 -T0" tar -cJf "$out/llama-src.tar.xz" -C "$(dirname "$source_dir")" --anchored \
    --exclude=src/models --exclude=src/docs --exclude=src/media --exclude=src/tests --exclude=src/examples \
    --exclude=src/tools/ui --exclude=src/benches --exclude=src/gguf-py --exclude=src/conversion --exclude=src/.git \
    --exclude=src/ggml/src/ggml-sycl --exclude=src/ggml/src/ggml-vulkan --exclude=src/ggml/src/ggml-opencl \
    --exclude=src/ggml/src/ggml-hexagon --exclude=src/ggml/src/ggml-metal \
    "$(basename "$source_dir")"
"$venv/bin/python" scripts/tiny_gguf.py "$out/tiny.gguf" --embedding 384 --layers 4 --vocab 8192
size=$(du -sm "$out" | cut -f1)
[ "$size" -lt 64 ] || { echo "gpu-bundle: $out is $size MiB; the device takes at most 64" >&2; exit 1; }
say "gpu-bundle: $out ($size MiB); on the GPU machine run scripts/gpu-check.sh"
