#!/usr/bin/env bash
# Two-tower throughput and quality, side by side with TensorFlow Recommenders.
#
#   Benchmarks/twotower/run.sh [id|mlp|all] [EPOCHS]    (REPEAT=3 pairs each)
#
# Same data (amazon-book lists), same architecture (id embeddings d=64, or
# id 64 -> MLP 128,64), batch 1024, Adagrad lr 0.1, in-batch softmax summed
# over the batch, 2 threads, EPOCHS epochs (default 5). Each configuration
# runs TFRS then Gramian back to back, REPEAT times (default 3), so each
# ratio is measured under the same machine load; summarize.py reports the
# medians. JSON lines go to results/<date>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
WHICH=${1:-all}
EPOCHS=${2:-5}
REPEAT=${REPEAT:-3}
DATA=${DATA:-/work/shared/datasets/amazon-book}
TFRS_PY=${TFRS_PY:-/tmp/gramian-tfrs/bin/python}
BENCH=${BENCH:-/work/shared/bench}
OUT=Benchmarks/twotower/results
mkdir -p "$OUT"
LOG="$OUT/$(date +%Y%m%d-%H%M%S).jsonl"
swift build -c release --product gramian >&2
BIN=.build/release/gramian

run_pair() {
  local rep
  for ((rep = 1; rep <= REPEAT; rep++)); do run_once "$rep" "$@"; done
}

run_once() {
  local rep=$1; shift
  local name=$1; shift
  local mlp=$1; shift
  local extra=("$@")
  echo "== $name: TFRS" >&2
  local tf_args=(--lists --train "$DATA/train.txt" --test "$DATA/test.txt" --dim 64 --epochs "$EPOCHS" --threads 2 --k 20 50 100 --seed "$rep")
  [[ -n $mlp ]] && tf_args+=(--mlp "$mlp")
  for e in "${extra[@]}"; do [[ $e == --logq ]] && tf_args+=(--logq); done
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  TF_USE_LEGACY_KERAS=1 "$TFRS_PY" "$BENCH/tfrs_two_tower.py" "${tf_args[@]}" \
    | python3 -c "import json,sys; d=json.loads(sys.stdin.read()); d['bench']='$name'; d['rep']=$rep; d['load']=open('/proc/loadavg').read().split()[:3]; print(json.dumps(d))" | tee -a "$LOG"
  echo "== $name: Gramian" >&2
  local g_args=(fit two-tower --temperature 1 --logq none --gram-weight 0 --gram-estimator batch --train "$DATA/train.txt" --test "$DATA/test.txt" --format lists --dim 64 --epochs "$EPOCHS"
                --batch-size 1024 --optimizer adagrad --lr 0.1 --threads 2 --seed "$rep" --json)
  [[ -n $mlp ]] && g_args+=(--layers "$mlp")
  for e in "${extra[@]}"; do [[ $e == --logq ]] && g_args+=(--logq exact); done
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  "$BIN" "${g_args[@]}" \
    | python3 -c "import json,sys; d=json.loads(sys.stdin.read()); d['bench']='$name'; d['rep']=$rep; d['load']=open('/proc/loadavg').read().split()[:3]; print(json.dumps(d))" | tee -a "$LOG"
}

case $WHICH in
  id) run_pair id "" ;;
  logq) run_pair id-logq "" --logq ;;
  mlp) run_pair mlp "128,64" ;;
  all) run_pair id ""; run_pair id-logq "" --logq; run_pair mlp "128,64" ;;
esac
python3 Benchmarks/twotower/summarize.py "$LOG"
