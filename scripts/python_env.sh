#!/usr/bin/env bash
# Makes the Python environment of the client and fuzz tests (tests/python): a venv with the pinned
# packages of tests/python/requirements.txt, cached under $NEXUS_CACHE and keyed by that file's
# hash, so a second run only checks a marker. Prints the venv's path on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=scripts/versions.sh
source "$here/versions.sh"

requirements="$repo/tests/python/requirements.txt"
python=${NEXUS_PYTHON:-python3}
key=$( (cat "$requirements"; "$python" -c 'import sys; print(sys.version_info[:2])') | sha256sum | cut -c1-16)
venv="$NEXUS_CACHE/python-$key"

if [ ! -f "$venv/.complete" ]; then
    printf '\033[1m==>\033[0m %s\n' "installing the Python test packages into $venv (once)" >&2
    rm -rf "$venv"
    mkdir -p "$NEXUS_CACHE"
    "$python" -m venv "$venv" >&2 \
        || { echo "setup: $python -m venv failed; on Debian install python3-venv (scripts/setup.sh does)" >&2; exit 1; }
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2 \
        || { rm -rf "$venv"; echo "setup: pip could not install $requirements; check the network and try again" >&2; exit 1; }
    touch "$venv/.complete"
fi
echo "$venv"
