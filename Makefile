# Gramian's entry points. `make demo` and `make test` each install missing
# system packages (scripts/setup.sh), build and run.

SWIFT ?= swift
CONFIG ?= release

.PHONY: setup build demo test bench clean

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

clean:
	rm -rf .build
