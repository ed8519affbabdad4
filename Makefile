# The two commands a newcomer needs: `make demo` and `make test`. Both set the machine up first
# (scripts/setup.sh: apt packages, llama.cpp, models), cached under ~/.cache/nexus and ~/.nexus.

SWIFT ?= swift
BUILD_FLAGS ?= -c release
NEXUS := .build/release/nexus

.PHONY: setup build test demo bench clean

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build $(BUILD_FLAGS) --product nexus

# Tests run against the release build: one build, one test run.
test: build
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --no-parallel

demo: build
	@scripts/demo.sh

bench: build
	@bench/inference.sh

clean:
	rm -rf .build
