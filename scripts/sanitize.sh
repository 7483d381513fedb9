#!/usr/bin/env bash
# `make sanitize`: the whole test suite under AddressSanitizer (heap and
# stack overflows, use after free, in Swift and in the C kernels), then the
# tests of the concurrent code under ThreadSanitizer (data races): the
# parallel loops, the HNSW build, the two-tower trainer, iALS and the
# server. Separate build folders, so the normal build stays as it is.
#   SANITIZERS="address thread" (default both)
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
# OpenBLAS and the Swift runtime keep some allocations for the process's
# life: leak reports would be noise; every other ASan check is on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
CONCURRENT='Parallel|HNSW|TwoTowerTrainer|TwoTowerFit|IALSFit|Solver|RecommendBatcher|EndpointTests|EventTests|ReloadTests'
for s in ${SANITIZERS:-address thread}; do
  start=$(date +%s)
  if [ "$s" = address ]; then
    swift test --disable-swift-testing --build-path .build-asan --sanitize=address
  else
    swift test --disable-swift-testing --build-path .build-tsan --sanitize=thread --filter "$CONCURRENT"
  fi
  echo "sanitize: $s clean in $(( $(date +%s) - start )) s"
done
