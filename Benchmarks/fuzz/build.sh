#!/usr/bin/env bash
# Builds the libFuzzer binary of every fuzz target into .build-fuzz/:
# Swift and C compiled with AddressSanitizer and SanitizerCoverage (the
# instrumentation libFuzzer's search feeds on), linked with libFuzzer's
# no-main runtime (SwiftPM binds an executable's `main` to its own entry
# point, which then calls LLVMFuzzerRunDriver). Release build: Swift keeps
# its bounds and overflow checks at -O, and runs about ten times as many
# inputs a second as a debug build. Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/../.."
SWIFT_BIN=$(dirname "$(readlink -f "$(command -v swift)")")
RT=$(ls "$SWIFT_BIN"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -1)
[ -n "$RT" ] || { echo "build.sh: libclang_rt.fuzzer_no_main not found next to $SWIFT_BIN (a Swift toolchain for Linux has it)" >&2; exit 1; }
COVERAGE=edge,trace-cmp,inline-8bit-counters,pc-table,indirect-calls
swift build -c release --build-path .build-fuzz --product GramianFuzz \
  -Xswiftc -DFUZZING -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=$COVERAGE \
  -Xcc -fsanitize=address -Xcc -fsanitize-coverage=inline-8bit-counters,pc-table,trace-cmp \
  -Xlinker "$RT" -Xlinker -lstdc++ 2>&1 | grep -v "Cannot export local symbol" >&2
echo "$PWD/.build-fuzz/release/GramianFuzz"
