#!/usr/bin/env bash
# `make sanitize`: the whole test suite under AddressSanitizer (heap and
# stack overflows, use after free, in Swift and in the C kernels), then the
# tests of the concurrent code under ThreadSanitizer (data races; list
# below). Separate build folders, so the normal build stays as it is.
#   SANITIZERS="address thread" (default both)
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
# OpenBLAS and the Swift runtime keep some allocations for the process's
# life: leak reports would be noise; every other ASan check is on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan-suppressions.txt}
# Test classes that run threads: parallel loops and readers, the solvers,
# HNSW, top-K, both trainers, evaluation, EASE, collectives, the comparison
# sessions, the lock type, the server (batcher, endpoints, events,
# reload) and sgemm from concurrent callers on both backends. Tests that run
# the CLI as a child process mostly stay out (the instrumented child is slow;
# the library code it runs is covered here).
CONCURRENT='Parallel|HNSW|Solver|ShortRows|TopK|Locked|TrainingTests|SequenceFit|Optimizer|EvaluatorTests|PairScores|InteractionCacheLoader|Collective|ConformanceTests|ModelTests|DistributedFitTests|StreamingFrequency|ComparisonTests|RecommendBatcher|EndpointTests|EventTests|ReloadTests|GEMMBackend'
for s in ${SANITIZERS:-address thread}; do
  start=$(date +%s)
  if [ "$s" = address ]; then
    swift test --disable-swift-testing --build-path .build-asan --sanitize=address
  else
    swift test --disable-swift-testing --build-path .build-tsan --sanitize=thread --filter "$CONCURRENT"
  fi
  echo "sanitize: $s clean in $(( $(date +%s) - start )) s"
done
