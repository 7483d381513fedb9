#!/usr/bin/env bash
# Quality table on ml-100k (ratings >= 4 as positives, random 80/20 split by
# seed 1) with user features (age bucket, gender, occupation, zip region)
# and item features (genres, decade). beta of the popularity prior is tuned
# on a validation split of the training part (90/10, seed 2) and applied to
# the model fitted on the whole training part.
#
#   Benchmarks/twotower/quality.sh            -> results/quality-<date>.jsonl + table
set -euo pipefail
cd "$(dirname "$0")/../.."
ML=${ML:-/work/shared/datasets/ml-100k}
W=$(mktemp -d /tmp/gramian-quality.XXXXXX)
OUT=Benchmarks/twotower/results; mkdir -p "$OUT"
LOG="$OUT/quality-$(date +%Y%m%d-%H%M%S).jsonl"
swift build -c release --product gramian >&2
G=.build/release/gramian
python3 Benchmarks/twotower/make_features.py ml100k-users "$ML/u.user" "$W/users.tsv"
python3 Benchmarks/twotower/make_features.py ml100k-items "$ML/u.item" "$W/items.tsv"
$G data split "$ML/u.data" --min-rating 4 --binary --split random --test-fraction 0.2 --seed 1 --output "$W/full" >&2
$G data split "$W/full/train.tsv" --split random --test-fraction 0.1 --seed 2 --output "$W/val" >&2

TT=(--dim 32 --epochs 30 --batch-size 256 --optimizer adagrad --lr 0.1 --threads 2
    --user-features "$W/users.tsv" --item-features "$W/items.tsv")
row() {  # name, then the JSON on stdin
  python3 -c "import json,sys; d=json.loads(sys.stdin.read()); m=d['metrics']; print(json.dumps({'variant': '$1', 'recall@20': m['recall@20'], 'ndcg@20': m['ndcg@20']}))" | tee -a "$LOG"
}
fit() {  # name, extra flags...
  local name=$1; shift
  $G fit two-tower --train "$W/full/train.tsv" --test "$W/full/test.tsv" "${TT[@]}" "$@" --output "$W/$name.model" --json 2>/dev/null | row "$name"
}
$G evaluate --train "$W/full/train.tsv" --test "$W/full/test.tsv" --model popularity --json 2>/dev/null | row popularity
$G fit ials --train "$W/full/train.tsv" --test "$W/full/test.tsv" --factors 32 --epochs 15 --reg 0.05 --unobserved-weight 0.1 --json 2>/dev/null | row ials
fit softmax
fit softmax+mixed256 --negatives mixed:256 --remove-accidental-hits
fit softmax+logq-exact --logq exact
fit softmax+logq-streaming --logq streaming
fit softmax+gram --gram-weight 0.5 --gram-estimator sogram
fit softmax+logq+gram --logq exact --gram-weight 0.5 --gram-estimator sogram
fit mse+gram --loss mse --gram-weight 3.6 --gram-estimator exact --l2 0.05 --optimizer adam --lr 0.003
# softmax + prior: beta chosen on the validation split, applied on the test split.
$G fit two-tower --train "$W/val/train.tsv" --test "$W/val/test.tsv" "${TT[@]}" --output "$W/val-softmax.model" --json >/dev/null 2>&1
best=$(for b in -0.5 0 0.25 0.5 0.75 1 1.25 1.5 2; do
  r=$($G evaluate --train "$W/val/train.tsv" --test "$W/val/test.tsv" --model "$W/val-softmax.model" --prior-exponent $b --json 2>/dev/null \
      | python3 -c "import json,sys; print(json.load(sys.stdin)['metrics']['recall@20'])")
  echo "$r $b"; done | sort -g | tail -1 | cut -d' ' -f2)
echo "beta chosen on validation: $best" >&2
$G evaluate --train "$W/full/train.tsv" --test "$W/full/test.tsv" --model "$W/softmax.model" --prior-exponent "$best" --json 2>/dev/null | row "softmax+prior(beta=$best)"
python3 - "$LOG" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| variant | recall@20 | ndcg@20 |\n|---|---|---|")
for r in rows: print(f"| {r['variant']} | {r['recall@20']:.4f} | {r['ndcg@20']:.4f} |")
PY
rm -rf "$W"
