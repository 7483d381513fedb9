#!/usr/bin/env bash
# `gramian serve` against the FastAPI + uvicorn + hnswlib peer
# (../shared/bench/serve_peer.py), same factors (iALS k=64 on amazon-book),
# same index parameters (M 16, efConstruction 200, ef 64), same wrk load
# (../shared/bench/serve_bench.sh: 32 connections, 1 wrk thread, 15 s), one
# server at a time, ROUNDS rounds alternating the two; medians in report.py.
# Both servers are checked first (serve_check.py: exact equality for the
# exact path, recall@10 for HNSW, the error contract).
# Usage: Benchmarks/serve/run.sh [OUT_DIR]   (from the package root)
# Needs the peer venv (../shared/bench/setup-peers.sh) and wrk.
set -euo pipefail
OUT=${1:-Benchmarks/serve/results}
WORK=${WORK:-/tmp/gramian-serve-bench}
DATA=${DATA:-../shared/datasets/amazon-book}
BENCH=${BENCH:-../shared/bench}
PY=${PY:-/tmp/gramian-peers/bin/python}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-15}
CONNS=${CONNS:-32}
WORKERS=${WORKERS:-1}      # server processes (peer) / threads (gramian: the whole machine either way)
mkdir -p "$OUT" "$WORK"
G=.build/release/gramian
swift build -c release --product gramian >&2

# 1. The model, its index, the factors and the training pairs for the peer.
if [ ! -f "$WORK/ab64.gramian" ]; then
  $G fit ials --train "$DATA/train.txt" --format lists --dim 64 --solver cg --epochs 10 --output "$WORK/ab64.gramian" >&2
  $G index build --model "$WORK/ab64.gramian" --M 16 --ef-construction 200 --output "$WORK/ab64.hnsw" >&2
  $G export --model "$WORK/ab64.gramian" --npy "$WORK/factors" >&2
  $G data convert "$DATA/train.txt" --format lists --to tsv --output "$WORK/train.tsv" >&2
fi

{ lscpu | grep -E "Model name|^CPU\(s\)|Flags" | sed 's/^/# /'; } > "$OUT/cpu.txt"
: > "$OUT/runs.jsonl"

wait_ready() {  # port
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on $1 did not start" >&2; return 1
}

bench() {  # name mode pid port
  local name=$1 mode=$2 pid=$3 port=$4 flag=()
  [ "$mode" = score ] && flag=(--score)
  SERVER_PID=$pid nice -n 10 "$BENCH/serve_bench.sh" "${flag[@]}" "http://127.0.0.1:$port" "$WORK/factors" "$SECS" "$CONNS" 1 \
    2>>"$OUT/wrk.log" | "$PY" -c "import json,sys; d=json.load(sys.stdin); d['server']='$name'; d['variant']='$mode'; print(json.dumps(d))" >> "$OUT/runs.jsonl"
}

run_gramian() {  # index: exact|hnsw
  local idx=() port=8091
  [ "$1" = hnsw ] && idx=(--index "$WORK/ab64.hnsw" --ef 64)
  rm -rf "$WORK/state"
  nice -n 10 $G serve --model "$WORK/ab64.gramian" "${idx[@]}" --port $port --state "$WORK/state" --log-level warning \
    2>>"$OUT/gramian.err" & local pid=$!
  wait_ready $port
  if [ ! -f "$OUT/check-gramian-$1.json" ]; then
    local req=(--require-exact); [ "$1" = hnsw ] && req=(--min-recall 0.95)
    "$PY" "$BENCH/serve_check.py" "http://127.0.0.1:$port" --factors "$WORK/factors" --train "$WORK/train.tsv" "${req[@]}" \
      > "$OUT/check-gramian-$1.json"
  fi
  bench "gramian" "$1" $pid $port
  [ "$1" = exact ] && bench "gramian" score $pid $port
  kill -TERM $pid; wait $pid || true
}

run_peer() {  # index: exact|hnsw
  local port=8090
  nice -n 10 "$PY" "$BENCH/serve_peer.py" --factors "$WORK/factors" --train "$WORK/train.tsv" --index "$1" \
    --M 16 --ef-construction 200 --ef 64 --workers "$WORKERS" --port $port > "$OUT/peer-$1.json" 2>>"$OUT/peer.err" & local pid=$!
  until grep -q ready "$OUT/peer.err" 2>/dev/null && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.5; done
  if [ ! -f "$OUT/check-peer-$1.json" ]; then
    local req=(--require-exact); [ "$1" = hnsw ] && req=(--min-recall 0.95)
    "$PY" "$BENCH/serve_check.py" "http://127.0.0.1:$port" --factors "$WORK/factors" --train "$WORK/train.tsv" "${req[@]}" \
      > "$OUT/check-peer-$1.json" || true
  fi
  bench "peer" "$1" $pid $port
  [ "$1" = exact ] && bench "peer" score $pid $port
  kill -TERM $pid; wait $pid || true
  : > "$OUT/peer.err"
}

for r in $(seq 1 "$ROUNDS"); do
  for idx in exact hnsw; do
    run_peer $idx
    run_gramian $idx
  done
done
"$PY" "$(dirname "$0")/report.py" "$OUT" > "$OUT/results.md"
cat "$OUT/results.md"
