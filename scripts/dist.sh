#!/usr/bin/env bash
# make dist: nexus as one folder (and a tarball) that runs on a Linux machine without Swift.
#
#   dist/nexus-VERSION-linux-ARCH/
#     nexus, nexus-lua-worker   the Swift standard library and Foundation linked in statically, stripped
#     lib/                      llama.cpp's libraries (found through the rpath $ORIGIN/lib) and the
#                               system libraries a bare machine may lack (Lua, SQLite, zlib)
#
# The build has its own folder (.build-dist), so the everyday build is left alone. Then the folder
# is checked: no Swift library is needed, and `nexus` runs a generation with the toolchain and the
# llama.cpp cache hidden (a private mount namespace; skipped where unshare is not allowed).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
swift=${SWIFT:-swift}
version=$(git describe --always --dirty 2>/dev/null || echo dev)
out="dist/nexus-$version-linux-$(uname -m)"

# Foundation's networking, linked in statically, still loads libcurl: its development files are needed to link.
if ! dpkg -s libcurl4-openssl-dev >/dev/null 2>&1; then
    echo "dist: installing libcurl4-openssl-dev (Foundation's networking links it)"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libcurl4-openssl-dev >/dev/null
fi
for product in nexus nexus-lua-worker; do
    NEXUS_DIST_RPATH='$ORIGIN/lib' "$swift" build -c release --static-swift-stdlib --scratch-path .build-dist --product "$product"
done
rm -rf "$out"
mkdir -p "$out/lib"
for binary in nexus nexus-lua-worker; do
    cp ".build-dist/release/$binary" "$out/$binary"
    strip "$out/$binary"
done
# llama.cpp's libraries, links kept (it may load its backends from its own folder at run time).
for library in "$repo"/.deps/llama/lib/*.so "$repo"/.deps/llama/lib/*.so.*; do
    case "$library" in *.stamp) ;; *) cp -P "$library" "$out/lib/" ;; esac
done
# Every other shared library the binaries load, but the C library, the C++ runtime and the loader,
# which belong to the machine.
ldd "$out/nexus" "$out/nexus-lua-worker" | awk '/=> \// {print $1, $3}' | sort -u | while read -r name library; do
    case "$name" in
        libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libgcc_s.so*|libstdc++.so*) ;;
        *) [ -e "$out/lib/$name" ] || cp -L "$library" "$out/lib/$name" ;;
    esac
done

if ldd "$out/nexus" "$out/nexus-lua-worker" | grep -E 'libswift|libFoundation|libdispatch|_FoundationICU'; then
    echo "dist: the binaries still need the Swift runtime (above)" >&2
    exit 1
fi
tar -C dist -czf "$out.tar.gz" "$(basename "$out")"
echo "dist: $out ($(du -sh "$out" | cut -f1)), $out.tar.gz ($(du -sh "$out.tar.gz" | cut -f1))"

# Run it as a machine without Swift would: the toolchain and the llama.cpp cache hidden.
model=$("$repo/.build/release/nexus" models show smollm2 --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])' 2>/dev/null || true)
toolchain=$(dirname "$(dirname "$(command -v "$swift")")")
if [ -n "$model" ] && unshare -m true 2>/dev/null; then
    empty=$(mktemp -d)
    unshare -m bash -c "
        mount --bind '$empty' '$toolchain' && mount --bind '$empty' '$(readlink -f .deps/llama)' &&
        NEXUS_HOME='$empty/home' '$out/nexus' generate --model '$model' --max-tokens 8 'Say hello.' >/dev/null" \
        && echo "dist: runs without the Swift toolchain and the llama.cpp cache (a generation with $model)" \
        || { echo "dist: the folder does not run on its own" >&2; rmdir "$empty" 2>/dev/null; exit 1; }
    rm -rf "$empty"
else
    echo "dist: the run without the toolchain was skipped (no model, or unshare is not allowed here)"
fi
