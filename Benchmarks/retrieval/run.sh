#!/bin/sh
# Retrieval benchmark: exact top-K vs sgemm, and HNSW (ip and augmented) vs
# hnswlib 0.8.0 on iALS factors of amazon-book (k = 64 and 128).
# Usage: Benchmarks/retrieval/run.sh [OUT_DIR]   (from the package root)
# Needs the peer venv (/work/shared/bench/setup-peers.sh) and the shared datasets.
# Gramian ip and hnswlib run ROUNDS times each, alternating, one pass over
# the queries per ef each time; report.py takes medians over the rounds, so
# both see the same machine load (it is shared).
set -eu
OUT=${1:-/tmp/gramian-retrieval-bench}
DATA=${DATA:-../shared/datasets/amazon-book}
PEERS=${PEERS:-../shared/bench/peers.py}
PY=${PY:-/tmp/gramian-peers/bin/python}
EF="10 15 20 30 40 60 80 120 160 240"
ROUNDS=${ROUNDS:-3}
mkdir -p "$OUT"
swift build -c release --product gramian --product RetrievalBenchmark
for K in 64 128; do
  D="$OUT/ab$K"
  if [ ! -f "$D/item_factors.npy" ]; then
    .build/release/gramian fit ials --train "$DATA/train.txt" --test "$DATA/test.txt" --format lists \
      --dim $K --solver cg --epochs 10 --output "$OUT/ab$K.gramian"
    .build/release/gramian export --model "$OUT/ab$K.gramian" --npy "$D"
    # 1000 user vectors as queries (numpy, seed 0).
    "$PY" -c "import numpy as np; U=np.load('$D/user_factors.npy'); np.save('$D/queries.npy', U[np.random.default_rng(0).choice(len(U),1000,replace=False)])"
  fi
  .build/release/RetrievalBenchmark hnsw --items "$D/item_factors.npy" --queries "$D/queries.npy" --M 16 \
    --ef-construction 200 --metric augmented --threads 2 --repeats 1 --ef "$(echo $EF | tr ' ' ,)" > "$D/gramian-augmented.json"
  rm -f "$D"/gramian-ip*.json "$D"/hnswlib*.json
  for R in $(seq 1 "$ROUNDS"); do
    .build/release/RetrievalBenchmark hnsw --items "$D/item_factors.npy" --queries "$D/queries.npy" --M 16 \
      --ef-construction 200 --metric ip --threads 2 --repeats 1 --ef "$(echo $EF | tr ' ' ,)" > "$D/gramian-ip.$R.json"
    "$PY" "$PEERS" hnswlib --item-factors "$D/item_factors.npy" --queries "$D/queries.npy" --M 16 --ef-construction 200 \
      --ef $EF --threads 2 > "$D/hnswlib.$R.json"
  done
done
.build/release/RetrievalBenchmark exact --users "$OUT/ab128/user_factors.npy" --items "$OUT/ab128/item_factors.npy" \
  --k 100 --threads 2 --repeats 3 --evaluation no > "$OUT/exact.json"
"$PY" Benchmarks/retrieval/report.py "$OUT" Benchmarks/retrieval
