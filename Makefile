# The two commands a newcomer needs: `make demo` and `make test`. Both set the machine up first
# (scripts/setup.sh: apt packages, llama.cpp, models, the Python test venv), cached under
# ~/.cache/nexus and ~/.nexus.

SWIFT ?= swift
BUILD_FLAGS ?= -c release
NEXUS := .build/release/nexus

.PHONY: setup build test test-python demo bench bench-server fuzz dist gpu-bundle clean

setup:
	@scripts/setup.sh

# nexus runs every Lua module call in nexus-lua-worker, which it finds in its own folder.
build: setup
	$(SWIFT) build $(BUILD_FLAGS) --product nexus
	$(SWIFT) build $(BUILD_FLAGS) --product nexus-lua-worker

# Tests run against the release build: one build, one test run; then the official Python clients
# and the fuzzer against a live `nexus serve` (tests/python).
test: build
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --no-parallel
	tests/python/run.sh

# Only the Python client and fuzz tests, against the binary already built.
test-python: build
	tests/python/run.sh

demo: build
	@scripts/demo.sh

bench: build
	@bench/inference.sh

bench-server: build
	@bench/server.sh

# libFuzzer on every parser of untrusted input, FUZZ_SECONDS per target, in .build-fuzz (docs/fuzzing.md).
# Needs only llama.cpp from setup (the schema target links its grammar converter), not the release build.
FUZZ_SECONDS ?= 60
fuzz: setup
	SWIFT="$(SWIFT)" FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

# nexus and its worker with the Swift runtime linked in and llama.cpp beside them, for a Linux
# machine without Swift: dist/nexus-VERSION-linux-ARCH(.tar.gz), built in .build-dist (scripts/dist.sh).
dist: setup
	@SWIFT="$(SWIFT)" scripts/dist.sh

# What scripts/gpu-check.sh needs on a GPU machine without Swift or network: the dist folder, the
# llama.cpp source and a random-weight GGUF, in gpu-bundle/ (scripts/gpu_bundle.sh).
gpu-bundle: setup
	@SWIFT="$(SWIFT)" scripts/gpu_bundle.sh

clean:
	rm -rf .build .build-fuzz .build-dist dist gpu-bundle
