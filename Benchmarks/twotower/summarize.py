#!/usr/bin/env python3
"""Prints the side-by-side table of a run.sh results file (JSON lines).

With several repetitions of a configuration (the `rep` field), each row is
the median over them; the ratio column is the median of the per-repetition
ratios (each TFRS run paired with the Gramian run right after it), with
their range.

With --replay FILE (replay.sh's lines): one row per seed with both
libraries' recall@20 and last-epoch loss from the same start and batches,
then the mean paired difference and its standard error.
"""
import json, statistics, sys

if sys.argv[1] == "--replay":
    rows = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
    for bench in dict.fromkeys(r["bench"] for r in rows):
        rs = [r for r in rows if r["bench"] == bench]
        print(f"{bench}: Gramian vs TFRS replaying Gramian's initial parameters and batches")
        print("| seed | steps agreeing (1e-4) | TFRS loss, last epoch | Gramian | TFRS recall@20 | Gramian recall@20 | difference |")
        print("|---|---|---|---|---|---|---|")
        diffs = []
        for r in rs:
            d = r["gramian_recall@20"] - r["tfrs_recall@20"]
            diffs.append(d)
            print(f"| {r['seed']} | {r['steps_agreeing_1e-4']} of {r['steps']} | {r['tfrs_epoch_loss'][-1]:.4f} | "
                  f"{r['gramian_epoch_loss'][-1]:.4f} | {r['tfrs_recall@20']:.4f} | {r['gramian_recall@20']:.4f} | {d:+.4f} |")
        mt = statistics.mean(r["tfrs_recall@20"] for r in rs)
        mg = statistics.mean(r["gramian_recall@20"] for r in rs)
        se = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else float("nan")
        print(f"| mean of {len(rs)} | | | | {mt:.4f} | {mg:.4f} | {statistics.mean(diffs):+.4f} (s.e. {se:.4f}) |")
    sys.exit(0)

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
