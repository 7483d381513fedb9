# Gramian's entry points. `make demo` and `make test` each install missing
# system packages (scripts/setup.sh), build and run.

SWIFT ?= swift
CONFIG ?= release

.PHONY: setup build demo test bench clean fuzz fuzz-smoke sanitize

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build -c $(CONFIG) --product gramian

demo: build
	$(SWIFT) run -c $(CONFIG) gramian demo

test: setup
	$(SWIFT) test --disable-swift-testing

bench: build
	Benchmarks/run-all.sh

# libFuzzer over every loader (Benchmarks/fuzz): `fuzz` runs each target for
# 1M inputs and records the figures; `fuzz-smoke` runs each for 5 seconds.
fuzz: setup
	Benchmarks/fuzz/run.sh

fuzz-smoke: setup
	SECONDS_PER_TARGET=5 RESULTS=/tmp/gramian-fuzz-smoke Benchmarks/fuzz/run.sh

# The test suite under AddressSanitizer, then the concurrent code (parallel
# loops, HNSW build, the trainer, the server) under ThreadSanitizer.
sanitize: setup
	scripts/sanitize.sh

clean:
	rm -rf .build
