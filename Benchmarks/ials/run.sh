#!/usr/bin/env bash
# Gramian iALS vs implicit 0.7.3 on amazon-book, in ONE run, release build,
# 2 threads: cg and exact at k = 64 and 128, side by side, plus the sgemm
# peak measured in the same run. Optional (BLOCK=1): the block solver at
# k = 1024 on the synthetic ML-20M shape (seconds per epoch, peak RSS),
# generated in process. Always: fold-in latency at k = 128.
#
# Hyperparameters are the same model on both sides: implicit's
# AlternatingLeastSquares(alpha=A, regularization=R) is Gramian's
# --formulation hu --confidence linear --alpha A --reg R (unobserved weight 1,
# reg exponent 0); see ALSFormulation's documentation.
#
# With SYNTH=1 (default) also cg and exact at k = 64 and 128 on the synthetic
# ML-20M shape (../shared/bench/synthetic.py, 138,000 x 27,000, 20,000,000
# pairs; generated once into SYNTH_DIR and parsed once into a binary cache),
# SYNTH_EPOCHS epochs each side, seconds only (the factors are bit-identical
# to those of the amazon-book-validated kernels, so recall is not re-measured).
#
# Usage: Benchmarks/ials/run.sh  (env: EPOCHS=10 ALPHA=10 REG=0.05 BLOCK=0
#        SYNTH=1 SYNTH_EPOCHS=3 SYNTH_DIR=/tmp/gramian-ml20m)
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS=${EPOCHS:-10}
ALPHA=${ALPHA:-10}
REG=${REG:-0.05}
THREADS=2
DATA=${DATA:-../shared/datasets/amazon-book}
[ -d "$DATA" ] || DATA=/work/shared/datasets/amazon-book
PEERS=${PEERS:-/work/shared/bench/peers.py}
PY=${PY:-/tmp/gramian-peers/bin/python}
OUT=Benchmarks/ials/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"

swift build -c release --product IALSBenchmark >&2
B=.build/release/IALSBenchmark

lscpu > "$OUT/lscpu.txt"
$B --peak --threads $THREADS > "$OUT/peak.json"
for K in 64 128; do
  $B --micro --factors $K > "$OUT/micro-$K.json"
  for S in cg exact; do
    echo "== k=$K $S: gramian" >&2
    $B --train "$DATA/train.txt" --lists --factors $K --epochs $EPOCHS --threads $THREADS --solver $S \
       --formulation hu --confidence linear --alpha $ALPHA --reg $REG --export "$OUT/gramian-$S-$K" \
       > "$OUT/gramian-$S-$K.json"
    $PY "$PEERS" evaluate --lists --train "$DATA/train.txt" --test "$DATA/test.txt" \
       --user-factors "$OUT/gramian-$S-$K/user_factors.npy" --item-factors "$OUT/gramian-$S-$K/item_factors.npy" \
       --user-ids "$OUT/gramian-$S-$K/user_ids.txt" --item-ids "$OUT/gramian-$S-$K/item_ids.txt" \
       > "$OUT/gramian-$S-$K-eval.json"
    rm -rf "$OUT/gramian-$S-$K"
    echo "== k=$K $S: implicit" >&2
    FLAG=""; [ $S = exact ] && FLAG=--cholesky
    $PY "$PEERS" implicit-als --lists --train "$DATA/train.txt" --test "$DATA/test.txt" --factors $K $FLAG \
       --epochs $EPOCHS --threads $THREADS --alpha $ALPHA --reg $REG > "$OUT/implicit-$S-$K.json"
  done
done

if [ "${SYNTH:-1}" = 1 ]; then
  SDIR=${SYNTH_DIR:-/tmp/gramian-ml20m}
  SE=${SYNTH_EPOCHS:-3}
  mkdir -p "$SDIR"
  if [ ! -f "$SDIR/full.tsv" ]; then
    echo "== generating the synthetic ML-20M shape into $SDIR (about 2 min)" >&2
    $PY "$(dirname "$PEERS")/synthetic.py" --output "$SDIR/full.tsv" > "$SDIR/full.json"
  fi
  for K in 64 128; do
    for S in cg exact; do
      echo "== synthetic k=$K $S: gramian" >&2
      $B --train "$SDIR/full.tsv" --cache "$SDIR/full.gcache" --factors $K --epochs $SE --threads $THREADS --solver $S \
         --formulation hu --confidence linear --alpha $ALPHA --reg $REG > "$OUT/synth-gramian-$S-$K.json"
      echo "== synthetic k=$K $S: implicit" >&2
      FLAG=""; [ $S = exact ] && FLAG=--cholesky
      $PY "$PEERS" implicit-als --train "$SDIR/full.tsv" --factors $K $FLAG \
         --epochs $SE --threads $THREADS --alpha $ALPHA --reg $REG > "$OUT/synth-implicit-$S-$K.json"
    done
  done
fi

echo "== fold-in latency, k=128, 100 items" >&2
$B --train "$DATA/train.txt" --lists --factors 128 --foldin --formulation hu --confidence linear --alpha $ALPHA --reg $REG \
   > "$OUT/foldin-128.json"

if [ "${BLOCK:-0}" = 1 ]; then
  # Synthetic ML-20M shape generated in process (SyntheticData.ml20mShape);
  # peak memory from /usr/bin/time -v when installed (Debian package `time`).
  echo "== block k=1024 synthetic ML-20M, block size ${BLOCK_SIZE:-16}" >&2
  TIMEV=""; [ -x /usr/bin/time ] && TIMEV="/usr/bin/time -v -o $OUT/block-time.txt"
  $TIMEV $B --synthetic-ml20m --factors 1024 --epochs ${BLOCK_EPOCHS:-1} --threads $THREADS --solver block \
     --block-size ${BLOCK_SIZE:-16} --unobserved-weight 0.1 --reg 0.01 > "$OUT/gramian-block-1024.json"
fi

python3 - "$OUT" <<'PY'
import json, sys, statistics, glob, os
out = sys.argv[1]
peak = json.load(open(f"{out}/peak.json"))["gflops"]
cpu = {l.split(":", 1)[0].strip(): l.split(":", 1)[1].strip() for l in open(f"{out}/lscpu.txt") if ":" in l}
simd = sorted({f for f in cpu.get("Flags", "").split() if f.startswith(("avx", "fma"))})
print(f"CPU: {cpu.get('Model name', '?')}, {cpu.get('CPU(s)', '?')} CPUs, L2 {cpu.get('L2 cache', '?')}, L3 {cpu.get('L3 cache', '?')}; SIMD flags: {' '.join(simd)}")
print(f"sgemm 1024^3 peak, 2 threads: {peak:.1f} GFLOP/s")
print("| k | solver | Gramian s/epoch | implicit s/epoch | ratio | Gramian GFLOP/s (% peak) | implicit GFLOP/s | recall@20 Gramian | recall@20 implicit | rel. diff |")
print("|---|---|---|---|---|---|---|---|---|---|")
for k in (64, 128):
    for s in ("cg", "exact"):
        g = json.load(open(f"{out}/gramian-{s}-{k}.json"))
        ge = json.load(open(f"{out}/gramian-{s}-{k}-eval.json"))["metrics"]
        i = json.load(open(f"{out}/implicit-{s}-{k}.json"))
        gm, im = g["median_epoch_seconds"], statistics.median(i["epoch_seconds"])
        gr, ir = ge["recall@20"], i["metrics"]["recall@20"]
        iflops = g["epoch_gflop"] / im
        print(f"| {k} | {s} | {gm:.3f} | {im:.3f} | {gm/im:.2f} | {g['gflops']:.1f} ({100*g['gflops']/peak:.0f}%) | {iflops:.1f} | {gr:.4f} | {ir:.4f} | {100*(gr-ir)/ir:+.1f}% |")
f = json.load(open(f"{out}/foldin-128.json"))
print(f"fold-in k=128, 100 items: foldIn median {f['foldin_us']['median']:.0f} us (p90 {f['foldin_us']['p90']:.0f}), "
      f"recommend(forItems:) median {f['recommend_for_items_us']['median']:.0f} us over {f['items']} items")
if os.path.exists(f"{out}/synth-gramian-cg-64.json"):
    print()
    print("synthetic ML-20M shape (20M pairs), median s/epoch:")
    print("| k | solver | Gramian s/epoch (user + item half-steps) | implicit s/epoch | ratio | Gramian peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for k in (64, 128):
        for s in ("cg", "exact"):
            g = json.load(open(f"{out}/synth-gramian-{s}-{k}.json"))
            i = json.load(open(f"{out}/synth-implicit-{s}-{k}.json"))
            gm, im = g["median_epoch_seconds"], statistics.median(i["epoch_seconds"])
            us, its = statistics.median(g["user_half_step_seconds"]), statistics.median(g["item_half_step_seconds"])
            print(f"| {k} | {s} | {gm:.2f} ({us:.2f} + {its:.2f}) | {im:.2f} | {gm/im:.2f} | {g['peak_rss_mb']:.0f} |")
b = f"{out}/gramian-block-1024.json"
if os.path.exists(b):
    g = json.load(open(b))
    print(f"block k=1024 b={g['config']['blockSize']} synthetic ML-20M: {g['median_epoch_seconds']:.1f} s/epoch "
          f"(cpu {g['epoch_cpu_seconds_with_loss']}), {g['gflops']:.1f} GFLOP/s, peak RSS {g['peak_rss_mb']:.0f} MB")
PY
