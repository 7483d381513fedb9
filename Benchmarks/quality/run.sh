#!/usr/bin/env bash
# iALS quality study (issue 3, "Quality"): Gramian iALS against popularity and
# against implicit 0.7.3 on ml-latest-small, ml-100k, lastfm-2k and amazon-book.
#
# For each dataset: a fixed or seeded 80/20 per-user train/test split; a
# validation split carved from train only (seed 2); a grid over (alpha0,
# lambda) for Gramian and over (alpha, regularization) for implicit, both
# scored by validation recall@20; the best of each refitted on the full train
# and evaluated once on test; popularity on the same test. Writes
# Benchmarks/quality/results.json and the results section of README.md.
#
#   Benchmarks/quality/run.sh                       # all four datasets
#   DATASETS="ml-100k" Benchmarks/quality/run.sh    # a subset
#
# Environment: GRAMIAN (binary), PEERS_PY (python with implicit), SHARED
# (the shared datasets folder), WORK (scratch, default /tmp/gramian-quality),
# FACTORS (64), EPOCHS (15), THREADS (2).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
PEERS="$SHARED/bench/peers.py"
PEERS_PY="${PEERS_PY:-/tmp/gramian-peers/bin/python}"
GRAMIAN="${GRAMIAN:-$ROOT/.build/release/gramian}"
WORK="${WORK:-/tmp/gramian-quality}"
FACTORS="${FACTORS:-64}"
EPOCHS="${EPOCHS:-15}"
THREADS="${THREADS:-2}"
DATASETS="${DATASETS:-ml-latest-small ml-100k lastfm-2k amazon-book}"
Q="python3 $HERE/quality.py"

# The grids (the same for every dataset except amazon-book, below; lastfm-2k
# adds a weighting axis).
# Gramian: alpha0 = --unobserved-weight, lambda = --reg with --reg-exponent 1
# (frequency-scaled regularisation, Rendle et al. 2022).
ALPHA0S_COMMON="0.003 0.01 0.03 0.1 0.3"
LAMBDAS_COMMON="0.003 0.01 0.03 0.1"
# implicit: alpha in 1..100 (alpha0 = 1/alpha in Hu's formulation) and
# regularization = lambda * |I| for the same lambdas, |I| = items of the
# validation training split: implicit's unscaled regulariser equals the
# scaled one of a light user (n_u << alpha0 |I|) under that mapping.
ALPHAS_COMMON="1 3 10 30 100"

if [[ ! -x "$GRAMIAN" ]]; then
  (cd "$ROOT" && swift build -c release --product gramian)
fi
[[ -x "$PEERS_PY" ]] || { echo "no $PEERS_PY: run $SHARED/bench/setup-peers.sh" >&2; exit 1; }
mkdir -p "$WORK"
T0=$(date +%s)

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Sets TRAIN, TEST, READ (gramian reader flags for TRAIN/TEST), LISTS
# (peers.py flag), SOLVER, PEER_SOLVER, VARIANTS, DESCRIPTION for dataset $1
# and writes the train/test split if it is not given.
prepare() {
  local name=$1 dir="$WORK/$1"
  mkdir -p "$dir"
  READ=""; LISTS=""; SOLVER="exact"; PEER_SOLVER="--cholesky"; VARIANTS="binary"
  ALPHA0S=$ALPHA0S_COMMON; LAMBDAS=$LAMBDAS_COMMON; ALPHAS=$ALPHAS_COMMON
  case "$name" in
    ml-latest-small)
      "$GRAMIAN" data split "$ROOT/datasets/ml-latest-small/ratings.csv" --min-rating 4 --binary \
        --test-fraction 0.2 --seed 1 --output "$dir" --json > "$dir/split.json"
      DESCRIPTION="Bundled datasets/ml-latest-small/ratings.csv, ratings >= 4 as positives (binary), seeded 80/20 per-user random split (\`gramian data split --min-rating 4 --binary --test-fraction 0.2 --seed 1\`)." ;;
    ml-100k)
      "$GRAMIAN" data split "$SHARED/datasets/ml-100k/u.data" --min-rating 4 --binary \
        --test-fraction 0.2 --seed 1 --output "$dir" --json > "$dir/split.json"
      DESCRIPTION="ml-100k u.data, ratings >= 4 as positives (binary), seeded 80/20 per-user random split (\`--min-rating 4 --binary --test-fraction 0.2 --seed 1\`)." ;;
    lastfm-2k)
      "$GRAMIAN" data split "$SHARED/datasets/lastfm-2k/user_artists.dat" \
        --test-fraction 0.2 --seed 1 --output "$dir" --json > "$dir/split.json"
      VARIANTS="binary log"
      DESCRIPTION="lastfm-2k user_artists.dat, weight = play count (1..352,698), seeded 80/20 per-user random split (\`--test-fraction 0.2 --seed 1\`). The grids get a weighting axis: Gramian binary (c = 1) or log confidence (c = 1 + log(1 + r)); implicit on log(1 + r) or on raw play counts (c = alpha r, alphas divided by 100)." ;;
    amazon-book)
      TRAIN="$SHARED/datasets/amazon-book/train.txt"; TEST="$SHARED/datasets/amazon-book/test.txt"
      READ="--format lists"; LISTS="--lists"; SOLVER="cg"; PEER_SOLVER=""
      # The common grid put Gramian's best at its low corner (alpha0 = 0.003,
      # lambda = 0.003..0.01) and implicit's at alpha = 100: both grids move
      # to smaller alpha0 (larger alpha) and lambda, by the same steps.
      ALPHA0S="0.0003 0.001 0.003 0.01 0.03"; LAMBDAS="0.001 0.003 0.01 0.03"; ALPHAS="30 100 300 1000 3000"
      echo '{}' > "$dir/split.json"
      DESCRIPTION="amazon-book fixed train.txt/test.txt (lists). Both sides use conjugate gradient with 3 steps (Gramian \`--solver cg\`, implicit's default) for the grid and the refit: the exact solvers take 2.6-3.8 s an epoch here, too slow for a 20-point grid in the time box." ;;
    *) echo "unknown dataset $name" >&2; exit 1 ;;
  esac
  if [[ "$name" != amazon-book ]]; then TRAIN="$dir/train.tsv"; TEST="$dir/test.tsv"; fi
  # Validation: carved from train only.
  "$GRAMIAN" data split "$TRAIN" $READ --test-fraction 0.2 --seed 2 --output "$dir/val" --json > "$dir/val-split.json"
  VAL_ITEMS=$(cut -f2 "$dir/val/train.tsv" | sort -u | wc -l)
  if [[ "$name" == lastfm-2k ]]; then
    for part in train.tsv val/train.tsv; do
      $Q weights "$dir/$part" "$dir/${part%.tsv}.log1p.tsv" log1p
    done
  fi
  python3 -c "import json,sys; a=sys.argv; json.dump({'description': a[1], 'gramian_solver': a[2], 'implicit_solver': a[3] or 'cg', 'validation_items': int(a[4]), 'grid': {'alpha0': a[6].split(), 'lambda': a[7].split(), 'implicit_alpha': a[8].split(), 'implicit_reg': 'lambda * validation_items', 'variants': a[9].split()}}, open(a[5], 'w'))" \
    "$DESCRIPTION" "$SOLVER" "${PEER_SOLVER#--}" "$VAL_ITEMS" "$dir/meta.json" "$ALPHA0S" "$LAMBDAS" "$ALPHAS" "$VARIANTS"
}

gramian_fit() { # train test extra-reader-flags args... ; prints JSON
  local train=$1 test=$2 read=$3; shift 3
  "$GRAMIAN" fit ials --train "$train" --test "$test" $read --dim "$FACTORS" --epochs "$EPOCHS" \
    --solver "$SOLVER" --threads "$THREADS" --seed 1 --json "$@" 2> "$WORK/last-gramian.err" \
    || { cat "$WORK/last-gramian.err" >&2; return 1; }
}

implicit_fit() { # train test lists-flag args... ; prints JSON, stderr kept in $WORK/last-implicit.err
  local train=$1 test=$2 lists=$3; shift 3
  "$PEERS_PY" "$PEERS" implicit-als --train "$train" --test "$test" $lists --factors "$FACTORS" \
    --epochs "$EPOCHS" --threads "$THREADS" $PEER_SOLVER "$@" 2> "$WORK/last-implicit.err" \
    || { cat "$WORK/last-implicit.err" >&2; return 1; }
}

gramian_conf() { # variant -> confidence flags
  case "$1" in binary) echo "--confidence binary" ;; log) echo "--confidence log --alpha 1 --eps 1" ;; esac
}

run_dataset() {
  local name=$1 dir="$WORK/$1" start
  start=$(date +%s)
  log "== $name: splits"
  prepare "$name"
  rm -f "$dir"/grid-*.jsonl "$dir"/final-*.jsonl
  log "== $name: Gramian grid on validation ($SOLVER, k=$FACTORS, $EPOCHS epochs)"
  for v in $VARIANTS; do for a0 in $ALPHA0S; do for l in $LAMBDAS; do
    args="$(gramian_conf "$v") --unobserved-weight $a0 --reg $l --reg-exponent 1"
    gramian_fit "$dir/val/train.tsv" "$dir/val/test.tsv" "" $args | $Q record "$dir/grid-gramian.jsonl" "args=$args"
  done; done; done
  log "== $name: implicit grid on validation (|I| = $VAL_ITEMS)"
  for v in $VARIANTS; do for a in $ALPHAS; do for l in $LAMBDAS; do
    local reg alpha=$a file="$dir/val/train.tsv" weights=""
    reg=$(python3 -c "print(f'{$l * $VAL_ITEMS:.4g}')")
    if [[ "$name" == lastfm-2k ]]; then
      if [[ $v == binary ]]; then weights="raw"; alpha=$(python3 -c "print($a / 100)")
      else weights="log1p"; file="$dir/val/train.log1p.tsv"; fi
    fi
    args="--alpha $alpha --reg $reg"
    implicit_fit "$file" "$dir/val/test.tsv" "" $args | $Q record "$dir/grid-implicit.jsonl" "args=$args" "weights=$weights"
  done; done; done

  log "== $name: refit the best of each on the full train, evaluate on test"
  best=$($Q best "$dir/grid-gramian.jsonl")
  gramian_fit "$TRAIN" "$TEST" "$READ" $best --output "$dir/final.gram" | $Q record "$dir/final-gramian.jsonl" "args=$best"
  rm -rf "$dir/npy"
  "$GRAMIAN" export --model "$dir/final.gram" --npy "$dir/npy" > /dev/null 2>&1
  "$PEERS_PY" "$PEERS" evaluate --train "$TRAIN" --test "$TEST" $LISTS --k 20 50 100 \
    --user-factors "$dir/npy/user_factors.npy" --item-factors "$dir/npy/item_factors.npy" \
    --user-ids "$dir/npy/user_ids.txt" --item-ids "$dir/npy/item_ids.txt" > "$dir/reference-check.json" 2> /dev/null

  best=$($Q best "$dir/grid-implicit.jsonl")
  file="$TRAIN"
  if [[ "$($Q best "$dir/grid-implicit.jsonl" weights)" == log1p ]]; then file="$dir/train.log1p.tsv"; fi
  implicit_fit "$file" "$TEST" "$LISTS" $best | $Q record "$dir/final-implicit.jsonl" "args=$best" "train=$file"
  $Q peer-counts "$WORK/last-implicit.err" > "$dir/final-implicit.counts.json"

  "$GRAMIAN" evaluate --train "$TRAIN" --test "$TEST" $READ --model popularity --threads "$THREADS" --json 2> /dev/null \
    | $Q record "$dir/final-popularity.jsonl" "args=popularity"
  echo $(( $(date +%s) - start )) > "$dir/elapsed"
  log "== $name: done in $(cat "$dir/elapsed") s"
}

for name in $DATASETS; do run_dataset "$name"; done

T1=$(date +%s)
python3 - "$WORK/run.json" "$((T1 - T0))" "$ROOT" "$FACTORS" "$EPOCHS" "$THREADS" "$DATASETS" <<'EOF'
import json, subprocess, sys, datetime, platform
path, secs, root, k, epochs, threads, datasets = sys.argv[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
json.dump({"date": datetime.datetime.now().isoformat(timespec="seconds"), "seconds": int(secs), "cpu": cpu,
           "cores": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
           "commit": commit, "factors": int(k), "epochs": int(epochs), "threads": int(threads),
           "datasets": datasets.split()}, open(path, "w"))
EOF
$Q report "$WORK" "$HERE"
log "done in $((T1 - T0)) s"
