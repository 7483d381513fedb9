#!/usr/bin/env bash
# Cross-checks `gramian evaluate` against the reference metric code
# (shared/bench/peers.py evaluate) on real data with random factors.
#
# For each data set: write train/test as `user<TAB>item` files, random
# factors (entries multiples of 1/1024, k = 8, so every dot product is exact
# in float32 whatever the summation order and both sides rank identically)
# with id files in the train file's first-seen order, then run both and
# compare recall@K and ndcg@K (|difference| <= 1e-6).
#
# Usage: Benchmarks/evaluate/crosscheck.sh [WORKDIR]   (from the package root)
# Needs: the peer venv (/tmp/gramian-peers, shared/bench/setup-peers.sh) and
# the shared datasets next to the clone.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="${GRAMIAN_SHARED:-$ROOT/../shared}"
PY="${PEERS_PYTHON:-/tmp/gramian-peers/bin/python}"
WORK="${1:-/tmp/gramian-crosscheck}"
mkdir -p "$WORK"
[ -x "$PY" ] || { echo "error: no peer venv at $PY; run $SHARED/bench/setup-peers.sh" >&2; exit 1; }

prepare() {  # name -> writes $WORK/name/{train,test}.tsv, U.npy, V.npy, users.txt, items.txt
  local name="$1" dir="$WORK/$1"
  mkdir -p "$dir"
  "$PY" - "$name" "$dir" "$SHARED/datasets" <<'PYEOF'
import sys, numpy as np
name, out, data = sys.argv[1:4]
rng = np.random.default_rng(7)
def write(path, pairs):
    with open(path, "w") as f:
        f.writelines(f"{u}\t{i}\n" for u, i in pairs)
if name == "ml-100k":
    by_user = {}
    for line in open(f"{data}/ml-100k/u.data"):
        u, i, r, t = line.split()
        by_user.setdefault(u, []).append(i)
    train, test = [], []
    for u, items in by_user.items():
        held = set(rng.choice(len(items), max(1, round(0.2 * len(items))), replace=False))
        for j, i in enumerate(items):
            (test if j in held else train).append((u, i))
else:  # amazon-book: fixed split, `user item item ...` lists
    def lists(path):
        for line in open(path):
            p = line.split()
            for i in p[1:]:
                yield p[0], i
    train, test = list(lists(f"{data}/{name}/train.txt")), list(lists(f"{data}/{name}/test.txt"))
write(f"{out}/train.tsv", train)
write(f"{out}/test.tsv", test)
users = list(dict.fromkeys(u for u, _ in train))
items = list(dict.fromkeys(i for _, i in train))
open(f"{out}/users.txt", "w").write("\n".join(users) + "\n")
open(f"{out}/items.txt", "w").write("\n".join(items) + "\n")
def factors(n):
    return (rng.integers(-1024, 1025, size=(n, 8)) / 1024).astype(np.float32)
np.save(f"{out}/U.npy", factors(len(users)))
np.save(f"{out}/V.npy", factors(len(items)))
print(f"{name}: {len(train)} train, {len(test)} test pairs, {len(users)} users, {len(items)} items", file=sys.stderr)
PYEOF
}

compare() {  # reference.json gramian.json
  "$PY" - "$1" "$2" <<'PYEOF'
import json, sys
ref = json.load(open(sys.argv[1]))["metrics"]
ours = json.load(open(sys.argv[2]))
ours = ours.get("metrics", ours)
worst = 0.0
for name, value in sorted(ref.items()):
    mine = ours.get(name)
    diff = abs(mine - value) if mine is not None else float("inf")
    worst = max(worst, diff)
    print(f"  {name:12s} peers {value:.8f}  gramian {mine if mine is None else format(mine, '.8f')}  diff {diff:.2e}")
print("  AGREE" if worst <= 1e-6 else "  DISAGREE", f"(largest difference {worst:.2e})")
sys.exit(0 if worst <= 1e-6 else 1)
PYEOF
}

# GRAMIAN_EVALUATE overrides the command, e.g. the benchmark package's
# stand-in: GRAMIAN_EVALUATE="$ROOT/Benchmarks/evaluate/.build/release/evaluate-bench files"
cd "$ROOT"
if [ -z "${GRAMIAN_EVALUATE:-}" ]; then
  swift build -c release --product gramian >&2
  GRAMIAN_EVALUATE="swift run -c release gramian evaluate"
  JSON_FLAG=--json
else
  JSON_FLAG=
fi
status=0
for name in ml-100k amazon-book; do
  dir="$WORK/$name"
  prepare "$name"
  files=(--train "$dir/train.tsv" --test "$dir/test.tsv" --user-factors "$dir/U.npy"
         --item-factors "$dir/V.npy" --user-ids "$dir/users.txt" --item-ids "$dir/items.txt")
  start=$(date +%s.%N)
  "$PY" "$SHARED/bench/peers.py" evaluate "${files[@]}" > "$dir/peers.json"
  mid=$(date +%s.%N)
  $GRAMIAN_EVALUATE "${files[@]}" $JSON_FLAG > "$dir/gramian.json"
  end=$(date +%s.%N)
  echo "$name: peers.py $(echo "$mid - $start" | bc) s, gramian $(echo "$end - $mid" | bc) s (wall, including reading)"
  compare "$dir/peers.json" "$dir/gramian.json" || status=1
done
exit $status
