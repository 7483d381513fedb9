#!/usr/bin/env bash
# Read benchmark: InteractionReader vs pandas.read_csv on a 20M-line CSV,
# plus InteractionCache write/read. Results go to stdout and to
# Benchmarks/read/results.txt; copy them into README.md by hand.
#
#   Benchmarks/read/run.sh [LINES] [RUNS]      (defaults 20000000 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES=${1:-20000000}
RUNS=${2:-3}
CSV=/tmp/gramian-read-bench-$LINES.csv
CACHE=/tmp/gramian-read-bench-$LINES.cache
VENV=Benchmarks/.venv

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import pandas" 2>/dev/null || "$VENV/bin/pip" install -q pandas

if [ ! -s "$CSV" ]; then
  echo "writing $CSV ($LINES lines)" >&2
  "$VENV/bin/python" Benchmarks/read/make_csv.py "$CSV" --lines "$LINES"
fi

swift build -c release --product ReadBenchmark >&2
BIN=$(swift build -c release --show-bin-path)/ReadBenchmark

# Warm the page cache so both sides read from memory.
cat "$CSV" > /dev/null
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== Swift InteractionReader, InteractionCache write/read (one process) ==" >&2
SWIFT_OUT=$("$BIN" "$CSV" "$CACHE" "$RUNS")
echo "== InteractionCache.read in fresh processes ==" >&2
FRESH=$(for _ in $(seq "$RUNS"); do "$BIN" --cache-only "$CACHE" 1 | sed -n 's/^cache_read_seconds=//p'; done | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
echo "== pandas.read_csv ==" >&2
PANDAS_OUT=$("$VENV/bin/python" Benchmarks/read/pandas_read.py "$CSV" "$RUNS")

{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "cores=$(nproc)"
  echo "file=$CSV"
  echo "file_bytes=$(stat -c %s "$CSV")"
  echo "runs=$RUNS"
  echo "swift_threads=$(nproc) (parallel parse), pandas_threads=1"
  echo "loadavg_before=$LOAD_BEFORE loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "$SWIFT_OUT"
  echo "cache_read_fresh_process_seconds=$FRESH"
  echo "$PANDAS_OUT"
  S=$(echo "$SWIFT_OUT" | sed -n 's/^parse_seconds=//p')
  P=$(echo "$PANDAS_OUT" | sed -n 's/^pandas_seconds=//p')
  C=$(echo "$SWIFT_OUT" | sed -n 's/^cache_read_seconds=//p')
  python3 -c "print(f'pandas_over_swift={$P/$S:.2f}'); print(f'parse_over_cache_read={$S/$C:.1f}')"
} | tee Benchmarks/read/results.txt
rm -f "$CACHE"
