#!/usr/bin/env bash
# Quality table on ml-100k (ratings >= 4 as positives, random 80/20 split by
# seed 1) with user features (age bucket, gender, occupation, zip region)
# and item features (genres, decade). Every variant's hyperparameters are
# chosen by recall@20 on a validation split of the training part (90/10,
# seed 2) over the small grids below; the chosen setting is then refitted on
# the whole training part and evaluated once on the test split. The test split
# is never used for a choice. Grids go to results/quality-grid-<date>.txt.
#
#   Benchmarks/twotower/quality.sh            -> results/quality-<date>.jsonl + table
# amazon-book: Benchmarks/twotower/quality-amazon.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ML=${ML:-/work/shared/datasets/ml-100k}
W=$(mktemp -d /tmp/gramian-quality.XXXXXX)
OUT=Benchmarks/twotower/results; mkdir -p "$OUT"
STAMP=$(date +%Y%m%d-%H%M%S)
LOG="$OUT/quality-$STAMP.jsonl"; GRID="$OUT/quality-grid-$STAMP.txt"
swift build -c release --product gramian >&2
G=.build/release/gramian
$G data features --from ml100k-users "$ML/u.user" --output "$W/users.tsv" >&2
$G data features --from ml100k-items "$ML/u.item" --output "$W/items.tsv" >&2
$G data split "$ML/u.data" --min-rating 4 --binary --split random --test-fraction 0.2 --seed 1 --output "$W/full" >&2
$G data split "$W/full/train.tsv" --split random --test-fraction 0.1 --seed 2 --output "$W/val" >&2

TT=(--temperature 1 --logq none --gram-weight 0 --gram-estimator batch --dim 32 --epochs 30 --batch-size 256 --optimizer adagrad --threads 2
    --user-features "$W/users.tsv" --item-features "$W/items.tsv")
metric() { python3 -c "import json,sys; m=json.load(sys.stdin)['metrics']; print(m['recall@20'], m['ndcg@20'])"; }
row() {  # name, then the JSON on stdin
  python3 -c "import json,sys; d=json.loads(sys.stdin.read()); m=d['metrics']; print(json.dumps({'variant': '$1', 'recall@20': m['recall@20'], 'ndcg@20': m['ndcg@20']}))" | tee -a "$LOG"
}
# tune NAME "flags1" "flags2" ...: fits every setting on the validation split,
# refits the best (by validation recall@20) on the full training part and
# evaluates it on the test split.
tune() {
  local name=$1; shift
  local best="" bestr=-1 r n
  for flags in "$@"; do
    # shellcheck disable=SC2086
    read -r r n < <($G fit two-tower --train "$W/val/train.tsv" --test "$W/val/test.tsv" "${TT[@]}" $flags --json 2>/dev/null | metric)
    printf '%s val [%s] recall@20 %.4f ndcg@20 %.4f\n' "$name" "$flags" "$r" "$n" | tee -a "$GRID" >&2
    if python3 -c "import sys; sys.exit(0 if $r > $bestr else 1)"; then best=$flags; bestr=$r; fi
  done
  # shellcheck disable=SC2086
  $G fit two-tower --train "$W/full/train.tsv" --test "$W/full/test.tsv" "${TT[@]}" $best --output "$W/$name.model" --json 2>/dev/null | row "$name [$best]"
}
t0=$SECONDS
$G evaluate --train "$W/val/train.tsv" --test "$W/val/test.tsv" --model popularity --json 2>/dev/null | metric | sed 's/^/popularity val recall@20 ndcg@20 /' | tee -a "$GRID" >&2
$G evaluate --train "$W/full/train.tsv" --test "$W/full/test.tsv" --model popularity --json 2>/dev/null | row popularity
$G fit ials --train "$W/full/train.tsv" --test "$W/full/test.tsv" --dim 32 --epochs 15 --reg 0.05 --unobserved-weight 0.1 --json 2>/dev/null | row ials

sm=(); for norm in "" "--normalize"; do for t in 0.05 0.1 0.2 0.5 1; do for lr in 0.03 0.1 0.3; do
  sm+=("--temperature $t --lr $lr $norm"); done; done; done
tune softmax "${sm[@]}"
tune softmax+mixed256 "--lr 0.1 --negatives mixed:256 --remove-accidental-hits"
tune softmax+logq-exact "--logq exact --temperature 0.2 --lr 0.1" "--logq exact --temperature 0.2 --lr 0.3" \
  "--logq exact --temperature 1 --lr 0.1" "--logq exact --temperature 1 --lr 0.3"
tune softmax+logq-streaming "--logq streaming --lr 0.1" "--logq streaming --lr 0.3"
tune softmax+gram "--lr 0.1 --gram-estimator sogram --gram-weight 0.1" "--lr 0.1 --gram-estimator sogram --gram-weight 0.5" \
  "--lr 0.1 --gram-estimator sogram --gram-weight 2" "--lr 0.1 --gram-estimator sogram --gram-weight 5" \
  "--lr 0.1 --gram-estimator sogram --gram-weight 10" "--lr 0.1 --gram-estimator sogram --gram-weight 20"
tune softmax+logq+gram "--lr 0.1 --logq exact --gram-estimator sogram --gram-weight 0.1" \
  "--lr 0.1 --logq exact --gram-estimator sogram --gram-weight 0.5" \
  "--lr 0.1 --logq exact --gram-estimator sogram --gram-weight 2" \
  "--lr 0.1 --logq exact --gram-estimator sogram --gram-weight 5" \
  "--lr 0.1 --logq exact --gram-estimator sogram --gram-weight 10" \
  "--lr 0.1 --logq exact --gram-estimator sogram --gram-weight 20"
M="--loss mse --gram-estimator exact --l2 0.05 --optimizer adam --lr 0.003"
tune mse+gram "$M --gram-weight 1" "$M --gram-weight 3.6" "$M --gram-weight 10" "$M --gram-weight 30"

# softmax + prior: the base softmax (temperature 1, lr 0.1) fitted on the
# validation split; beta chosen there, applied to the same setting refitted on
# the full training part.
$G fit two-tower --train "$W/val/train.tsv" --test "$W/val/test.tsv" "${TT[@]}" --lr 0.1 --output "$W/val-softmax.model" --json >/dev/null 2>&1
$G fit two-tower --train "$W/full/train.tsv" --test "$W/full/test.tsv" "${TT[@]}" --lr 0.1 --output "$W/softmax-base.model" --json >/dev/null 2>&1
best=$(for b in -0.5 0 0.5 1 1.5 2 2.5 3 3.5 4 5 6; do
  read -r r n < <($G evaluate --train "$W/val/train.tsv" --test "$W/val/test.tsv" --model "$W/val-softmax.model" --prior-exponent=$b --json 2>/dev/null | metric)
  printf 'prior val beta=%s recall@20 %.4f ndcg@20 %.4f\n' "$b" "$r" "$n" >> "$GRID"
  echo "$r $b"; done | sort -g | tail -1 | cut -d' ' -f2)
echo "beta chosen on validation: $best" | tee -a "$GRID" >&2
$G evaluate --train "$W/full/train.tsv" --test "$W/full/test.tsv" --model "$W/softmax-base.model" --prior-exponent="$best" --json 2>/dev/null | row "softmax+prior [beta=$best]"
echo "wall time: $((SECONDS - t0)) s" | tee -a "$GRID" >&2
python3 - "$LOG" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| variant [chosen on validation] | recall@20 | ndcg@20 |\n|---|---|---|")
for r in rows: print(f"| {r['variant']} | {r['recall@20']:.4f} | {r['ndcg@20']:.4f} |")
PY
rm -rf "$W"
