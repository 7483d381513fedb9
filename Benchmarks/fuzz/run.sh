#!/usr/bin/env bash
# Fuzzes every target (or those named) with libFuzzer and records the
# figures: executions, coverage (edges), corpus size, crashes.
#
#   Benchmarks/fuzz/run.sh [TARGET ...]
#   RUNS=1000000 (executions per target; default) and/or SECONDS_PER_TARGET=N
#   (a time cap per target; a run stops at whichever comes first)
#   JOBS=2 runs two targets at a time (default 1; one a core at most)
#
# Each target starts from its committed seeds (corpus/TARGET) and grows a
# working corpus in $WORK/TARGET (default /tmp/gramian-fuzz-work), so the
# committed corpora stay small. A crash leaves its input in
# $WORK/crashes/TARGET/; copy it to regressions/TARGET/ once fixed (the
# test suite replays that folder). Results go to $RESULTS/TARGET.log and a
# summary line to $RESULTS/summary.tsv (RESULTS defaults to results/).
set -uo pipefail
cd "$(dirname "$0")"
HERE=$PWD
BIN=$(./build.sh)
WORK=${WORK:-/tmp/gramian-fuzz-work}
RUNS=${RUNS:-1000000}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(delimited lists mtx cache npy features model-ials model-two-tower model-popularity model-ease hnsw server-json)
fi
RESULTS=${RESULTS:-$HERE/results}
mkdir -p "$RESULTS"
{ echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(lscpu | grep -o 'avx512f' | head -1 || true)"
  printf 'target\texecutions\tedges\tcorpus\tcrashes\tseconds\texit\n'; } >> "$RESULTS/summary.tsv"
LIMIT=(-runs="$RUNS")  # with SECONDS_PER_TARGET, whichever comes first
if [ -n "${SECONDS_PER_TARGET:-}" ]; then LIMIT+=(-max_total_time="$SECONDS_PER_TARGET"); fi
# Swift's backtracer would wait on a crashing fuzzer; ASan reports suffice.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:handle_abort=1:allocator_may_return_null=1}
fuzz_one() {
  local t=$1 start marker rc secs execs cov corp crashes
  mkdir -p "$WORK/$t" "$WORK/crashes/$t"
  start=$(date +%s)
  marker=$(mktemp)  # crashes counted are those written by this run
  "$BIN" "$t" "$WORK/$t" "$HERE/corpus/$t" "${LIMIT[@]}" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
    -artifact_prefix="$WORK/crashes/$t/" -print_final_stats=1 > "$RESULTS/$t.log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$RESULTS/$t.log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$RESULTS/$t.log" | tail -1 | grep -o '[0-9]*')
  corp=$(ls "$WORK/$t" | wc -l)
  crashes=$(find "$WORK/crashes/$t" -type f -newer "$marker" | wc -l)
  rm -f "$marker"
  # One printf per line: lines of concurrent jobs do not interleave.
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-0}" "${cov:-0}" "$corp" "$crashes" "$secs" "$rc" | tee -a "$RESULTS/summary.tsv"
  return "$rc"
}
status=0
JOBS=${JOBS:-1}
running=0
for t in "${TARGETS[@]}"; do
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
