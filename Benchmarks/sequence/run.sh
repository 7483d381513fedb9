#!/usr/bin/env bash
# The attention tower side by side with Microsoft Recommenders' SASRec
# (../shared/bench/sasrec_peer.py, TensorFlow) on amazon-beauty.
#
#   Benchmarks/sequence/run.sh [EPOCHS]        (REPEAT=1 pairs by default)
#
# Same data (sequences.txt, leave-one-out, full ranking), same shape (d = 64,
# 2 blocks, 1 head, window 50, dropout 0.2), same loss (BCE with one sampled
# negative per position), Adam lr 0.001, batch 128, 2 threads, EPOCHS epochs;
# Gramian with the peer's block wiring (--block-layout sasrec) and its own
# default (pre-ln)
# (default 20; one epoch is about one sequence per user in both: the peer
# draws int(users / 128) batches with replacement, Gramian passes over every
# user once). The peer runs first, then Gramian, REPEAT times; then Gramian's
# softmax losses (in-batch sampled, full) for their throughput. JSON lines go
# to results/<date>.jsonl with the CPU model; summarize.py prints the table.
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS=${1:-20}
REPEAT=${REPEAT:-1}
DATA=${DATA:-/work/shared/datasets/amazon-beauty/sequences.txt}
TFRS_PY=${TFRS_PY:-/tmp/gramian-tfrs/bin/python}
BENCH=${BENCH:-/work/shared/bench}
OUT=Benchmarks/sequence/results
mkdir -p "$OUT"
LOG="$OUT/$(date +%Y%m%d-%H%M%S).jsonl"
swift build -c release --product gramian >&2
BIN=.build/release/gramian
CPU=$(lscpu | sed -n 's/^Model name: *//p')
FLAGS=$(grep -o -w -E 'avx2|avx512f|avx512bw|avx512vl|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')
tag() { python3 -c "import json,sys; d=json.loads(sys.stdin.read()); d.update(bench='$1', rep=$2, cpu='''$CPU''', flags='$FLAGS', load=open('/proc/loadavg').read().split()[:3]); print(json.dumps(d))"; }

common=(--dim 64 --blocks 2 --heads 1 --dropout 0.2 --batch-size 128 --lr 0.001)
for ((rep = 1; rep <= REPEAT; rep++)); do
  echo "== SASRec peer (TensorFlow), $EPOCHS epochs" >&2
  "$TFRS_PY" "$BENCH/sasrec_peer.py" --sequences "$DATA" --maxlen 50 "${common[@]}" --epochs "$EPOCHS" --threads 2 --seed "$rep" \
    | tag peer-bce "$rep" | tee -a "$LOG"
  for layout in sasrec pre-ln; do
    echo "== Gramian attention tower, BCE, $layout blocks, $EPOCHS epochs" >&2
    "$BIN" fit two-tower --train "$DATA" --format lists --history-encoder attention --max-len 50 "${common[@]}" \
      --block-layout "$layout" --loss bce --optimizer adam --epochs "$EPOCHS" --threads 2 --seed "$rep" --json \
      | tag "gramian-bce-$layout" "$rep" | tee -a "$LOG"
  done
done
for loss in softmax full-softmax; do
  echo "== Gramian attention tower, $loss, 3 epochs (throughput)" >&2
  "$BIN" fit two-tower --train "$DATA" --format lists --history-encoder attention --max-len 50 "${common[@]}" \
    --loss "$loss" --optimizer adam --epochs 3 --threads 2 --json | tag "gramian-$loss" 1 | tee -a "$LOG"
done
python3 Benchmarks/sequence/summarize.py "$LOG"
