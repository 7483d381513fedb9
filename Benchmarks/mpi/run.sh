#!/usr/bin/env bash
# Distributed iALS on Open MPI vs one process vs Spark MLlib's ALS, on the
# synthetic ML-20M shape (../shared/bench/synthetic.py: 138K users x 27K
# items x 20M pairs). Release build with the MPI trait; nothing else may run
# on the machine meanwhile (2 cores).
#
#   Benchmarks/mpi/run.sh [OUT_DIR]        (default Benchmarks/mpi/results)
#   PARTS="scaling wire spark gramian" (default: all) runs only those parts.
#
# 1. Scaling (full 20M file, --solver cg, k = 64 and 128, EPOCHS epochs):
#    one process with 2 threads (plain `fit ials`), and under mpirun: 1 rank
#    x 1 thread, 2 ranks x 1 thread, 1 rank x 2 threads. Per epoch: seconds,
#    each rank's seconds in collectives and factor bytes sent.
# 2. Bytes on the wire: 2 ranks over TCP on loopback only (btl self,tcp),
#    E and E+2 epochs; the difference of the loopback interface's byte
#    counters / 2 is an epoch's traffic, checked against the formula.
# 3. spark: Spark MLlib ALS (../shared/bench/spark_als.py, local[2], its
#    defaults: regParam 0.01 scaled by each row's count, alpha 1) on an 80/20
#    split of the same file, k = 64 and 128, SPARK_EPOCHS_64 / _128 epochs; recall@20
#    on the held-out pairs by gramian evaluate on its exported factors.
# 4. gramian: Gramian distributed (2 ranks x 1 thread) on the same split:
#    Spark's model (hu, c = 2, lambda 0.01 n_u) with exact and cg for as many
#    epochs as Spark ran, and cg with the settings chosen on a validation
#    split of the training pairs (20% of them, seed 2; see README.md:
#    alpha0 0.01, lambda 0.01, nu 1) for GRAMIAN_EPOCHS epochs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/Benchmarks/mpi/results}
DATA=${DATA:-/tmp/gramian-ml20m}
WORK=${WORK:-/tmp/gramian-mpi-bench}
SPARK_VENV=${SPARK_VENV:-/tmp/gramian-spark}
EPOCHS=${EPOCHS:-4}
SPARK_EPOCHS_64=${SPARK_EPOCHS_64:-10}
SPARK_EPOCHS_128=${SPARK_EPOCHS_128:-5}   # about 85 s an epoch: 5 epochs take 12 minutes
GRAMIAN_EPOCHS=${GRAMIAN_EPOCHS:-10}
PARTS=${PARTS:-scaling wire spark gramian}
has() { [[ " $PARTS " == *" $1 "* ]]; }
KS=${KS:-64 128}
mkdir -p "$OUT" "$WORK"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$ROOT"
swift build -c release --product gramian --traits MPI >&2
G=$ROOT/.build/release/gramian
[ -f "$DATA/full.tsv" ] || python3 ../shared/bench/synthetic.py --output "$DATA/full.tsv" > "$DATA/full.json"
if [ ! -f "$WORK/split/train.tsv" ]; then
  rm -rf "$WORK/split"
  "$G" data split "$DATA/full.tsv" --split random --test-fraction 0.2 --seed 1 --output "$WORK/split" >&2
fi
{ lscpu | grep -E "Model name|^CPU\(s\)|L2|L3|Flags"; mpirun --version | head -1; } > "$OUT/machine.txt"

mpi() { # ranks threads-per-rank args...
  local n=$1 t=$2; shift 2
  mpirun --oversubscribe -np "$n" --bind-to none "$G" fit ials --distributed --threads "$t" "$@"
}

has scaling && for k in $KS; do
  common=(--train "$DATA/full.tsv" --dim "$k" --solver cg --epochs "$EPOCHS" --reg 0.01 --unobserved-weight 1 --json)
  "$G" fit ials "${common[@]}" --threads 2 > "$OUT/single-2t-k$k.json" 2> "$WORK/single-2t-k$k.err"
  mpi 1 1 "${common[@]}" > "$OUT/mpi-1r1t-k$k.json" 2> "$WORK/mpi-1r1t-k$k.err"
  mpi 2 1 "${common[@]}" > "$OUT/mpi-2r1t-k$k.json" 2> "$WORK/mpi-2r1t-k$k.err"
  mpi 1 2 "${common[@]}" > "$OUT/mpi-1r2t-k$k.json" 2> "$WORK/mpi-1r2t-k$k.err"
done

# Bytes on the wire (TCP over loopback only, so the counters see every byte).
lo() { cat /sys/class/net/lo/statistics/tx_bytes; }
k=64
has wire && for e in 2 4; do
  before=$(lo)
  OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo mpi 2 1 --train "$DATA/full.tsv" --dim $k --solver cg --epochs $e --json \
    > "$OUT/wire-2r-k$k-e$e.json" 2> "$WORK/wire-e$e.err"
  echo "{\"epochs\": $e, \"loopback_tx_bytes\": $(( $(lo) - before ))}" > "$OUT/wire-2r-k$k-e$e.bytes.json"
done

# Spark vs Gramian on the split.
has spark && for k in $KS; do
  "$SPARK_VENV/bin/python" ../shared/bench/spark_als.py --train "$WORK/split/train.tsv" --factors "$k" --epochs "$(eval echo \$SPARK_EPOCHS_$k)" \
    --reg 0.01 --alpha 1 --threads 2 --export "$WORK/spark-k$k" > "$OUT/spark-k$k.json" 2> "$WORK/spark-k$k.err"
  S=$WORK/spark-k$k
  "$G" evaluate --user-factors "$S/user_factors.npy" --item-factors "$S/item_factors.npy" --user-ids "$S/user_ids.txt" \
    --item-ids "$S/item_ids.txt" --train "$WORK/split/train.tsv" --test "$WORK/split/test.tsv" --k 20 --json \
    > "$OUT/spark-k$k.eval.json" 2>> "$WORK/spark-k$k.err"
done
has gramian && for k in $KS; do
  spark_epochs=$(eval echo \$SPARK_EPOCHS_$k)
  for solver in cg exact; do
    # Spark's model (see README.md): same epochs as Spark.
    tag=gramian-split-k$k-$solver-spark-model
    mpi 2 1 --train "$WORK/split/train.tsv" --dim "$k" --solver $solver --epochs "$spark_epochs" \
      --formulation hu --confidence linear --alpha 2 --reg 0.01 --reg-exponent 1 --reg-scaling observed \
      --json --output "$WORK/$tag.gramian" > "$OUT/$tag.json" 2> "$WORK/$tag.err"
    "$G" evaluate --model "$WORK/$tag.gramian" --train "$WORK/split/train.tsv" --test "$WORK/split/test.tsv" --k 20 --json \
      > "$OUT/$tag.eval.json" 2>> "$WORK/$tag.err"
  done
  # The settings chosen on the validation split, GRAMIAN_EPOCHS epochs.
  tag=gramian-split-k$k-cg-tuned
  mpi 2 1 --train "$WORK/split/train.tsv" --dim "$k" --solver cg --epochs "$GRAMIAN_EPOCHS" \
    --unobserved-weight 0.01 --reg 0.01 --reg-exponent 1 --json --output "$WORK/$tag.gramian" > "$OUT/$tag.json" 2> "$WORK/$tag.err"
  "$G" evaluate --model "$WORK/$tag.gramian" --train "$WORK/split/train.tsv" --test "$WORK/split/test.tsv" --k 20 --json \
    > "$OUT/$tag.eval.json" 2>> "$WORK/$tag.err"
done
python3 "$ROOT/Benchmarks/mpi/summarize.py" "$OUT" | tee "$OUT/summary.md"
