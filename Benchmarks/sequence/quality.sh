#!/usr/bin/env bash
# Quality of the attention tower on amazon-beauty under leave-one-out with
# full ranking: each variant trains with early stopping on the VALIDATION
# item (NDCG@10 every 5 epochs, patience 4, best kept), and its test metrics
# are those of the kept network. The shape is SASRec's (d = 64, 2 blocks,
# 1 head, window 50), Adam 0.001, batch 128, 2 threads.
#
#   Benchmarks/sequence/quality.sh [VARIANT ...]   (default: all)
#
# Variants: bce (SASRec's loss), softmax (in-batch), softmax-logq,
# softmax-gram, softmax-logq-gram, full (full softmax). DROPOUT (default 0.5)
# and MAX_EPOCHS (default 200) apply to all; BIN=path runs that binary (no build). JSON lines in results/quality-<date>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-/work/shared/datasets/amazon-beauty/sequences.txt}
DROPOUT=${DROPOUT:-0.5}
MAX_EPOCHS=${MAX_EPOCHS:-200}
OUT=Benchmarks/sequence/results
mkdir -p "$OUT"
LOG="$OUT/quality-$(date +%Y%m%d-%H%M%S).jsonl"
if [[ -z ${BIN:-} ]]; then
  swift build -c release --product gramian >&2
  BIN=.build/release/gramian
fi
VARIANTS=("$@")
[[ ${#VARIANTS[@]} -eq 0 ]] && VARIANTS=(bce softmax softmax-logq softmax-gram softmax-logq-gram full)
for v in "${VARIANTS[@]}"; do
  case $v in
    bce) extra=(--loss bce) ;;
    softmax) extra=(--loss softmax) ;;
    softmax-logq) extra=(--loss softmax --logq exact) ;;
    softmax-gram) extra=(--loss softmax --gram-weight "${GRAM:-0.1}" --gram-estimator sogram) ;;
    softmax-logq-gram) extra=(--loss softmax --logq exact --gram-weight "${GRAM:-0.1}" --gram-estimator sogram) ;;
    full) extra=(--loss full-softmax) ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
  echo "== $v" >&2
  "$BIN" fit two-tower --train "$DATA" --format lists --history-encoder attention --dim 64 --blocks 2 --heads 1 \
    --max-len 50 --dropout "$DROPOUT" --batch-size 128 --optimizer adam --lr 0.001 --epochs "$MAX_EPOCHS" \
    --eval-every 5 --patience 4 --threads 2 "${extra[@]}" --json \
    | python3 -c "import json,sys; d=json.loads(sys.stdin.read()); d['variant']='$v'; print(json.dumps(d))" | tee -a "$LOG"
done
python3 - "$LOG" <<'PY'
import json, sys
print("| variant | kept epoch | valid NDCG@10 | test HR@10 | test NDCG@10 | test HR@20 | test NDCG@20 | train s |")
print("|---|---|---|---|---|---|---|---|")
for l in open(sys.argv[1]):
    d = json.loads(l); m = d["metrics"]; v = d["validation_metrics"]
    print(f"| {d['variant']} | {d['kept_epoch']} | {v['ndcg@10']:.4f} | {m['hr@10']:.4f} | {m['ndcg@10']:.4f} | {m['hr@20']:.4f} | {m['ndcg@20']:.4f} | {d['train_seconds']:.0f} |")
PY
