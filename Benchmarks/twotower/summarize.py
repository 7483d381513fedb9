#!/usr/bin/env python3
"""Prints the side-by-side table of a run.sh results file (JSON lines).

With several repetitions of a configuration (the `rep` field), each row is
the median over them; the ratio column is the median of the per-repetition
ratios (each TFRS run paired with the Gramian run right after it), with
their range.
"""
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    side = "tfrs" if r.get("peer") == "tfrs" else "gramian"
    by.setdefault(r["bench"], {}).setdefault(r.get("rep", 1), {})[side] = r

def med(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    return statistics.median(xs) if xs else None

f = lambda x: f"{x:.4f}" if isinstance(x, float) else "-"
n = lambda x: f"{x:,.0f}" if x else "-"
print("| config | runs | TFRS ex/s | Gramian ex/s | ratio (range) | TFRS recall@20 | Gramian recall@20 | TFRS ndcg@20 | Gramian ndcg@20 |")
print("|---|---|---|---|---|---|---|---|---|")
for name, reps in by.items():
    pairs = [p for p in reps.values() if "tfrs" in p and "gramian" in p]
    get = lambda side, key: [p[side].get(key) for p in reps.values() if side in p]
    metric = lambda side, key: [p[side].get("metrics", {}).get(key) for p in reps.values() if side in p]
    te, ge = med(get("tfrs", "examples_per_second")), med(get("gramian", "examples_per_second"))
    ratios = [p["gramian"]["examples_per_second"] / p["tfrs"]["examples_per_second"] for p in pairs]
    ratio = f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})" if ratios else "-"
    print(f"| {name} | {len(reps)} | {n(te)} | {n(ge)} | {ratio} | {f(med(metric('tfrs', 'recall@20')))} | "
          f"{f(med(metric('gramian', 'recall@20')))} | {f(med(metric('tfrs', 'ndcg@20')))} | {f(med(metric('gramian', 'ndcg@20')))} |")
