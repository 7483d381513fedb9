#!/usr/bin/env bash
# Plain in-batch softmax vs popularity on ml-100k (ratings >= 4, 80/20 seed 1), ids only:
# TFRS and Gramian side by side, same settings (a diagnostic on the test
# split: the best of three settings flatters plain softmax, which makes
# "below popularity" the conservative reading). Each Gramian fit is also
# traced and replayed in TFRS from the same start on the same batches
# (replay.py), which takes the seed out of the comparison.
#
#   Benchmarks/twotower/softmax-vs-popularity.sh   (~4 min; output in results/softmax-vs-popularity-<date>.txt)
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product gramian >&2
G=.build/release/gramian
exec > >(tee "Benchmarks/twotower/results/softmax-vs-popularity-$(date +%Y%m%d).txt")
echo "# $0, $(date +%F) (ids only, d 32, batch 256, 30 epochs, Adagrad, 2 threads)"
ML=${ML:-/work/shared/datasets/ml-100k}
W=$(mktemp -d /tmp/gramian-popprobe.XXXXXX)
[ -f $W/full/train.tsv ] || $G data split "$ML/u.data" --min-rating 4 --binary --split random --test-fraction 0.2 --seed 1 --output "$W/full" >&2
$G evaluate --train $W/full/train.tsv --test $W/full/test.tsv --model popularity --json 2>/dev/null | python3 -c "import json,sys; m=json.load(sys.stdin)['metrics']; print('popularity', round(m['recall@20'],4))"
for cfg in "1 0.1" "0.1 0.1" "0.05 0.1"; do
  set -- $cfg; t=$1; lr=$2
  TF_USE_LEGACY_KERAS=1 "${TFRS_PY:-/tmp/gramian-tfrs/bin/python}" "${BENCH:-/work/shared/bench}/tfrs_two_tower.py" --train $W/full/train.tsv --test $W/full/test.tsv --dim 32 --epochs 30 --batch-size 256 --lr $lr --temperature $t --threads 2 --k 20 2>/dev/null | python3 -c "import json,sys; m=json.load(sys.stdin)['metrics']; print('tfrs tau $t lr $lr', round(m['recall@20'],4))"
  $G fit two-tower --logq none --gram-weight 0 --train $W/full/train.tsv --test $W/full/test.tsv --dim 32 --epochs 30 --batch-size 256 --optimizer adagrad --lr $lr --temperature $t --threads 2 --trace $W/trace --json 2>/dev/null | python3 -c "import json,sys; m=json.load(sys.stdin)['metrics']; print('gramian tau $t lr $lr', round(m['recall@20'],4))"
  TF_USE_LEGACY_KERAS=1 "${TFRS_PY:-/tmp/gramian-tfrs/bin/python}" Benchmarks/twotower/replay.py $W/trace --train $W/full/train.tsv --test $W/full/test.tsv --bench "${BENCH:-/work/shared/bench}" 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print('tfrs replaying that fit tau $t lr $lr', round(d['tfrs_recall@20'],4), '(steps agreeing within 1e-4: %d of %d)' % (d['steps_agreeing_1e-4'], d['steps']))"
done
