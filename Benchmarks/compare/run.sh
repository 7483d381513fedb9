#!/usr/bin/env bash
# The comparison on six real datasets of different shapes, three seeds each
# (issue 18): `gramian compare` (every method tuned on a validation split
# carved from training, refitted, tested once, per seed; means, standard
# errors and paired bootstrap intervals over seeds) writes one report folder per dataset into
# Benchmarks/compare/<dataset>/ (report.md, results.json, SVG charts) and
# this script records each run's wall time in Benchmarks/compare/times.txt.
# The three larger sets (citeulike, amazon-book, epinions) tune on the first
# seed only (--retune first: later seeds refit its choices), so that a full
# run stays near an hour on 2 cores; the others tune every seed.
#
#   Benchmarks/compare/run.sh                       # all six
#   Benchmarks/compare/run.sh amazon-book           # one
#   Benchmarks/compare/run.sh amazon-beauty-loo     # the leave-one-out comparison (not in the default six)
#
# Environment: SHARED (the shared datasets folder, default ../shared),
# THREADS (2), SEEDS (1,2,3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SHARED="${SHARED:-../shared}"
THREADS="${THREADS:-2}"
SEEDS="${SEEDS:-1,2,3}"
OUT=Benchmarks/compare
swift build -c release --product gramian >&2
G=.build/release/gramian
lscpu | grep -E '^(Model name|Flags)' > "$OUT/cpu.txt"   # the CPU these results come from
DATASETS=("$@")
[[ ${#DATASETS[@]} -gt 0 ]] || DATASETS=(ml-latest-small lastfm-2k citeulike amazon-beauty amazon-book epinions)

run() {  # dataset name, then gramian compare arguments
  local name=$1; shift
  local t0=$SECONDS load
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "[$(date +%H:%M:%S)] $name (load average $load)" >&2
  $G compare --name "$name" --output "$OUT/$name" --threads "$THREADS" --seeds "$SEEDS" "$@"
  echo "$name: $((SECONDS - t0)) s wall, seeds $SEEDS, $THREADS threads, load average at start $load, end $(cut -d' ' -f1-3 /proc/loadavg), $(date +%F), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >> "$OUT/times.txt"
}

for d in "${DATASETS[@]}"; do
  case $d in
    ml-latest-small)  # 100,836 ratings; ratings >= 4 as positives; seeded 80/20 per user
      run ml-latest-small --train datasets/ml-latest-small/ratings.csv --min-rating 4 --binary \
        --split random --test-fraction 0.2 --seed 1 --batch-size 256 --epochs 20 ;;
    lastfm-2k)  # 92,834 (user, artist, play count) pairs; every pair a positive
      run lastfm-2k --train "$SHARED/datasets/lastfm-2k/user_artists.dat" --binary \
        --split random --test-fraction 0.2 --seed 1 --batch-size 256 --epochs 20 ;;
    amazon-beauty)  # 198,502 pairs, 22,363 users, 12,101 items (5-core)
      run amazon-beauty --train "$SHARED/datasets/amazon-beauty/sequences.txt" --format lists \
        --split random --test-fraction 0.2 --seed 1 --batch-size 512 --epochs 20 ;;
    citeulike)  # the fixed split: 101,708 training pairs, 7,876 users x 23,973 items with training data (wide item side)
      run citeulike --train "$SHARED/datasets/citeulike/train.txt" --test "$SHARED/datasets/citeulike/test.txt" \
        --format lists --batch-size 512 --epochs 20 --retune first ;;
    epinions)  # the fixed split: 664,823 pairs, 40,163 users, 139,738 items (EASE's item limit refuses it)
      run epinions --train "$SHARED/datasets/epinions/train.txt" --test "$SHARED/datasets/epinions/test.txt" \
        --format lists --batch-size 1024 --epochs 5 --retune first ;;
    amazon-book)  # the fixed KGAT split: 652,514 training pairs, 70,679 users, 24,915 items
      run amazon-book --train "$SHARED/datasets/amazon-book/train.txt" --test "$SHARED/datasets/amazon-book/test.txt" \
        --format lists --batch-size 1024 --epochs 5 --retune first ;;
    amazon-beauty-loo)  # the attention tower's variants under leave-one-out (issue 18): 22,363 sequences, 12,101 items
      run amazon-beauty-loo --protocol leave-one-out --train "$SHARED/datasets/amazon-beauty/sequences.txt" --format lists \
        --retune first ;;
    *) echo "unknown dataset $d" >&2; exit 1 ;;
  esac
done
