# Gramian's entry points. `make demo` and `make test` each install missing
# system packages (scripts/setup.sh), build and run.

SWIFT ?= swift
CONFIG ?= release
# With Open MPI installed (scripts/setup.sh installs it), builds and tests
# include distributed iALS (the package trait MPI); without it, everything else.
MPI_TRAIT = $$(pkg-config --exists ompi 2>/dev/null && echo --traits MPI)

.PHONY: setup build demo test bench clean fuzz fuzz-smoke sanitize sanitize-thread mpi

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build -c $(CONFIG) --product gramian $(MPI_TRAIT)

demo: build
	$(SWIFT) run -c $(CONFIG) $(MPI_TRAIT) gramian demo

test: setup
	$(SWIFT) test --disable-swift-testing $(MPI_TRAIT)

# `gramian` with distributed iALS (fails without Open MPI's headers):
# mpirun -np N .build/release/gramian fit ials --distributed ...
mpi: setup
	$(SWIFT) build -c $(CONFIG) --product gramian --traits MPI

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

# The ThreadSanitizer half alone (CI runs it; about 11 minutes from scratch).
sanitize-thread: setup
	SANITIZERS=thread scripts/sanitize.sh

clean:
	rm -rf .build
