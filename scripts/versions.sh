# Pinned versions and cache locations shared by the setup and benchmark scripts.
LLAMA_CPP_PYTHON_VERSION=0.3.36
NEXUS_CACHE=${NEXUS_CACHE:-$HOME/.cache/nexus}
NEXUS_HOME=${NEXUS_HOME:-$HOME/.nexus}
if command -v nvcc >/dev/null 2>&1; then LLAMA_FLAVOR=cuda; else LLAMA_FLAVOR=cpu; fi
LLAMA_DIR="$NEXUS_CACHE/llama-$LLAMA_CPP_PYTHON_VERSION-$LLAMA_FLAVOR"
export NEXUS_CACHE NEXUS_HOME
