#!/usr/bin/env bash
# Makes this machine ready to build and run Nexus: system packages, llama.cpp (built from the
# source bundled in the llama-cpp-python sdist), Nexus's shim over llama.cpp's `common` library,
# the default models and the Python test venv. Every step is cached under $NEXUS_CACHE keyed by
# version, so a second run only checks that everything is in place.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=scripts/versions.sh
source "$here/versions.sh"

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

install_system_packages() {
    # chromium and chromium-driver: the dashboard's tests drive a real browser (tests/python/test_dashboard.py).
    local wanted=(cmake g++ pkg-config libsqlite3-dev liblua5.4-dev python3 python3-pip python3-venv curl ca-certificates chromium chromium-driver)
    local missing=()
    for package in "${wanted[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return
    say "installing system packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq || fail "apt-get update failed; check the network and try again"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
        || fail "apt-get could not install ${missing[*]}"
}

# pip download works with Debian's externally-managed Python too: it installs nothing.
pip_download() {
    python3 -m pip download --quiet --no-deps --disable-pip-version-check "$@" -d "$NEXUS_CACHE/downloads" \
        || fail "could not download $* from PyPI; check the network and try again"
}

build_llama() {
    local dir="$LLAMA_DIR"
    if [ -f "$dir/prefix/.complete" ]; then
        return
    fi
    say "building llama.cpp from llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION ($LLAMA_FLAVOR; a few minutes, once)"
    mkdir -p "$NEXUS_CACHE/downloads" "$dir"
    local sdist="$NEXUS_CACHE/downloads/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz"
    [ -f "$sdist" ] || pip_download --no-binary :all: "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
    if [ ! -f "$dir/src/CMakeLists.txt" ]; then
        rm -rf "$dir/src" "$dir/unpack"
        mkdir -p "$dir/unpack"
        tar -xzf "$sdist" -C "$dir/unpack" "llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp"
        mv "$dir/unpack/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp" "$dir/src"
        rm -rf "$dir/unpack"
    fi
    local cuda=OFF
    [ "$LLAMA_FLAVOR" = cuda ] && cuda=ON
    # Tools stay configured (not built) so bench/ can build llama-bench and llama-server from
    # this same tree.
    cmake -S "$dir/src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
        -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON -DCMAKE_INSTALL_RPATH='$ORIGIN' \
        -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF \
        -DGGML_NATIVE=ON -DGGML_CUDA="$cuda" >"$dir/configure.log" 2>&1 \
        || fail "llama.cpp configure failed; see $dir/configure.log"
    cmake --build "$dir/build" -j"$(nproc)" --target llama llama-common >"$dir/build.log" 2>&1 \
        || fail "llama.cpp build failed; see $dir/build.log"
    # Only the libraries and headers Nexus links against; `cmake --install` would also want
    # the tools, which are built on demand by bench/.
    rm -rf "$dir/prefix"
    mkdir -p "$dir/prefix/include" "$dir/prefix/lib"
    cp "$dir/src/include/"*.h "$dir/src/ggml/include/"*.h "$dir/prefix/include/"
    cp -a "$dir/build/bin/"lib*.so* "$dir/prefix/lib/"
    touch "$dir/prefix/.complete"
}

build_shim() {
    local sources=("$repo/native/llama-shim/"*.cpp)
    local stamp
    stamp=$(cat "${sources[@]}" "$repo/native/llama-shim/"*.h "$repo/Sources/CLlama/nexus_llama.h" | sha256sum | cut -c1-16)
    local lib="$LLAMA_DIR/prefix/lib/libnexus-llama-shim.so"
    if [ -f "$lib" ] && [ "$(cat "$lib.stamp" 2>/dev/null)" = "$stamp" ]; then
        return
    fi
    say "building the llama.cpp shim"
    g++ -std=c++17 -O2 -fPIC -shared "${sources[@]}" -o "$lib.tmp" \
        -I"$LLAMA_DIR/src/common" -I"$LLAMA_DIR/src/src" -I"$LLAMA_DIR/src/vendor" -I"$LLAMA_DIR/prefix/include" \
        -L"$LLAMA_DIR/prefix/lib" -lllama-common -lllama -Wl,-rpath,'$ORIGIN' \
        || fail "the llama.cpp shim did not compile"
    mv "$lib.tmp" "$lib"
    echo "$stamp" >"$lib.stamp"
}

# llama-server, built from the same tree, is the real OpenAI-compatible peer the remote-backend
# tests talk to.
build_llama_server() {
    [ -x "$LLAMA_DIR/build/bin/llama-server" ] && return
    say "building llama-server (for the remote-backend tests; once)"
    cmake --build "$LLAMA_DIR/build" -j"$(nproc)" --target llama-server >"$LLAMA_DIR/server-build.log" 2>&1 \
        || fail "llama-server build failed; see $LLAMA_DIR/server-build.log"
}

link_dependencies() {
    mkdir -p "$repo/.deps"
    ln -sfn "$LLAMA_DIR/prefix" "$repo/.deps/llama"
}

install_system_packages
build_llama
link_dependencies
build_shim
build_llama_server
python3 "$here/fetch_models.py" ${NEXUS_SETUP_MODELS:-smollm2 qwen2.5-coder:0.5b}
"$here/python_env.sh" >/dev/null
