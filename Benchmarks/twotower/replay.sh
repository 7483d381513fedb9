#!/usr/bin/env bash
# Gramian and TFRS from the same start on the same batches, seed by seed.
#
#   Benchmarks/twotower/replay.sh [id|logq|mlp] [SEEDS...]     (default: mlp 1 2 3 4 5)
#
# For each seed: `gramian fit two-tower --trace` with run.sh's protocol
# (amazon-book, id 64 [+ exact logQ | -> MLP 128,64], batch 1024, Adagrad 0.1, 5 epochs,
# 2 threads) records its initial parameters, batches and step losses and
# evaluates itself; replay.py then trains TFRS from those parameters on
# those batches and evaluates it with shared/bench/peers.py. The seed picks
# the start and the order for both libraries, so a paired difference in
# recall is the libraries' arithmetic, not the seed. JSON lines go to
# results/replay-<date>.jsonl; summarize.py --replay prints the pairs.
set -euo pipefail
cd "$(dirname "$0")/../.."
WHICH=${1:-mlp}; shift || true
SEEDS=("$@"); [[ ${#SEEDS[@]} -eq 0 ]] && SEEDS=(1 2 3 4 5)
EPOCHS=${EPOCHS:-5}
DATA=${DATA:-/work/shared/datasets/amazon-book}
TFRS_PY=${TFRS_PY:-/tmp/gramian-tfrs/bin/python}
OUT=Benchmarks/twotower/results
mkdir -p "$OUT"
LOG="$OUT/replay-$(date +%Y%m%d-%H%M%S).jsonl"
swift build -c release --product gramian >&2
BIN=.build/release/gramian
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
flags=(); [[ $WHICH == mlp ]] && flags=(--layers 128,64); [[ $WHICH == logq ]] && flags=(--logq exact)
for seed in "${SEEDS[@]}"; do
  echo "== $WHICH seed $seed: Gramian (with --trace)" >&2
  "$BIN" fit two-tower --temperature 1 --logq none --gram-weight 0 --gram-estimator batch --train "$DATA/train.txt" --test "$DATA/test.txt" --format lists --dim 64 "${flags[@]}" \
    --epochs "$EPOCHS" --batch-size 1024 --optimizer adagrad --lr 0.1 --threads 2 --seed "$seed" \
    --trace "$TMP/trace" --json > "$TMP/gramian.json"
  echo "== $WHICH seed $seed: TFRS replay" >&2
  TF_USE_LEGACY_KERAS=1 "$TFRS_PY" Benchmarks/twotower/replay.py "$TMP/trace" --train "$DATA/train.txt" \
    --test "$DATA/test.txt" --lists --threads 2 > "$TMP/replay.json"
  python3 - "$TMP/gramian.json" "$TMP/replay.json" "$WHICH" <<'PY' | tee -a "$LOG"
import json, sys
g, r = json.load(open(sys.argv[1])), json.loads(open(sys.argv[2]).read())
r.update({"bench": sys.argv[3], "gramian_recall@20": g["metrics"]["recall@20"], "gramian_ndcg@20": g["metrics"]["ndcg@20"],
          "gramian_json_epoch_loss": [e["loss"] for e in g["epochs"]]})
r.pop("trace", None)
print(json.dumps(r))
PY
done
python3 Benchmarks/twotower/summarize.py --replay "$LOG"
