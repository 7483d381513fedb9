#!/usr/bin/env bash
# How far float rounding alone moves a two-tower result: the same fit
# (same seed, so the same initial parameters and batches) at 1 and at 2
# threads, whose softmax and MLP partial sums are added in different orders.
#
#   Benchmarks/twotower/rounding.sh [id|mlp] [SEEDS...]    (default: mlp 1 2 3)
#
# run.sh's protocol otherwise (amazon-book, batch 1024, Adagrad 0.1, 5 epochs).
# Prints per seed the last-epoch loss and recall@20 at both thread counts;
# JSON lines go to results/rounding-<date>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
WHICH=${1:-mlp}; shift || true
SEEDS=("$@"); [[ ${#SEEDS[@]} -eq 0 ]] && SEEDS=(1 2 3)
DATA=${DATA:-/work/shared/datasets/amazon-book}
OUT=Benchmarks/twotower/results; mkdir -p "$OUT"
LOG="$OUT/rounding-$(date +%Y%m%d-%H%M%S).jsonl"
swift build -c release --product gramian >&2
layers=(); [[ $WHICH == mlp ]] && layers=(--layers 128,64)
for seed in "${SEEDS[@]}"; do
  for threads in 1 2; do
    .build/release/gramian fit two-tower --temperature 1 --logq none --gram-weight 0 --gram-estimator batch --train "$DATA/train.txt" --test "$DATA/test.txt" --format lists --dim 64 \
      "${layers[@]}" --epochs 5 --batch-size 1024 --optimizer adagrad --lr 0.1 --threads "$threads" --seed "$seed" --json \
      | python3 -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({'bench': '$WHICH', 'seed': $seed, 'threads': $threads, 'epoch_loss': [e['loss'] for e in d['epochs']], 'recall@20': d['metrics']['recall@20'], 'ndcg@20': d['metrics']['ndcg@20']}))" \
      | tee -a "$LOG"
  done
done
python3 - "$LOG" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| seed | loss ep. 5, 1 thread | 2 threads | recall@20, 1 thread | 2 threads |")
print("|---|---|---|---|---|")
for s in dict.fromkeys(r["seed"] for r in rows):
    a, b = [next(r for r in rows if r["seed"] == s and r["threads"] == t) for t in (1, 2)]
    print(f"| {s} | {a['epoch_loss'][-1]:.4f} | {b['epoch_loss'][-1]:.4f} | {a['recall@20']:.4f} | {b['recall@20']:.4f} |")
PY
