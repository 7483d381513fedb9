#!/usr/bin/env bash
# `gramian score` vs a plain numpy script (numpy_score.py) on the same 1M
# pairs and the same factors, in ONE run, release build, both end to end
# (read pairs, score, write `user<TAB>item<TAB>score` lines). Medians of RUNS.
#
# The model: iALS k=64 (cg, 3 epochs) on amazon-book, exported for numpy.
# Pairs: PAIRS lines drawn uniformly from the model's ids (make_pairs.py).
#
# Usage: Benchmarks/score/run.sh   (env: PAIRS=1000000 RUNS=5 THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${PAIRS:-1000000}
RUNS=${RUNS:-5}
THREADS=${THREADS:-2}
DATA=${DATA:-../shared/datasets/amazon-book}
[ -d "$DATA" ] || DATA=/work/shared/datasets/amazon-book
PY=${PY:-/tmp/gramian-peers/bin/python}
WORK=${WORK:-/tmp/gramian-score-bench}
OUT=Benchmarks/score/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT" "$WORK"

swift build -c release --product gramian >&2
G=.build/release/gramian
lscpu > "$OUT/lscpu.txt"
if [ ! -f "$WORK/model.gramian" ]; then
  $G fit ials --train "$DATA/train.txt" --format lists --factors 64 --epochs 3 --solver cg \
     --output "$WORK/model.gramian" >&2
  rm -rf "$WORK/npy"
fi
[ -d "$WORK/npy" ] || $G export --model "$WORK/model.gramian" --npy "$WORK/npy" >&2
[ -f "$WORK/pairs-$PAIRS.tsv" ] || $PY Benchmarks/score/make_pairs.py "$WORK/npy" "$PAIRS" "$WORK/pairs-$PAIRS.tsv"
cat "$WORK/pairs-$PAIRS.tsv" > /dev/null

for r in $(seq "$RUNS"); do
  s=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$WORK/rss.txt" $G score --model "$WORK/model.gramian" --pairs "$WORK/pairs-$PAIRS.tsv" \
     --output "$WORK/gramian.tsv" --threads "$THREADS" 2>/dev/null
  e=$(date +%s.%N)
  printf "{\"run\": %d, \"seconds\": %.6f, \"peak_rss_kb\": %d}\n" "$r" "$(echo "$e - $s" | bc)" \
     "$(tail -1 "$WORK/rss.txt")" >> "$OUT/gramian.jsonl"
  OPENBLAS_NUM_THREADS=$THREADS $PY Benchmarks/score/numpy_score.py "$WORK/npy" "$WORK/pairs-$PAIRS.tsv" \
     "$WORK/numpy.tsv" >> "$OUT/numpy.jsonl"
done

$PY - "$OUT" "$WORK" <<'PY' | tee "$OUT/summary.md"
import json, statistics, sys
out, work = sys.argv[1], sys.argv[2]
g = [json.loads(l)["seconds"] for l in open(f"{out}/gramian.jsonl")]
n = [json.loads(l) for l in open(f"{out}/numpy.jsonl")]
pairs = n[0]["pairs"]
# Same pairs, same order, scores within float32 rounding.
a = [l.split("\t") for l in open(f"{work}/gramian.tsv").read().split("\n") if l]
b = [l.split("\t") for l in open(f"{work}/numpy.tsv").read().split("\n") if l]
assert len(a) == len(b) == pairs, (len(a), len(b), pairs)
worst = max(abs(float(x[2]) - float(y[2])) / max(1.0, abs(float(y[2]))) for x, y in zip(a, b) if x[:2] == y[:2])
assert all(x[:2] == y[:2] for x, y in zip(a, b))
cpu = {l.split(":", 1)[0].strip(): l.split(":", 1)[1].strip() for l in open(f"{out}/lscpu.txt") if ":" in l}
gm, nm = statistics.median(g), statistics.median(x["seconds"] for x in n)
print(f"CPU: {cpu.get('Model name')}, flags: {' '.join(sorted(f for f in cpu.get('Flags','').split() if f.startswith(('avx','fma'))))}")
print(f"{pairs} pairs, medians of {len(g)} runs; largest score difference {worst:.2e} (relative)")
print("| | seconds | pairs/s | peak RSS |")
print("|---|---|---|---|")
grss = statistics.median(json.loads(l)["peak_rss_kb"] for l in open(f"{out}/gramian.jsonl")) / 1024
nrss = statistics.median(x["peak_rss_kb"] for x in n) / 1024
print(f"| gramian score (process wall: start, load model, read, score, write) | {gm:.3f} | {pairs/gm/1e6:.2f}M | {grss:.0f} MB |")
print(f"| numpy script (read, score, write; factors loaded before) | {nm:.3f} | {pairs/nm/1e6:.2f}M | {nrss:.0f} MB |")
print(f"| ratio numpy / gramian | {nm/gm:.1f}x | | |")
parts = {k: statistics.median(x[k] for x in n) for k in ("read_seconds", "score_seconds", "write_seconds", "load_factors_seconds")}
print("numpy parts (median s): " + ", ".join(f"{k} {v:.3f}" for k, v in parts.items()))
PY
