#!/usr/bin/env python3
"""Cross-dataset summary of `gramian compare` runs: reads
Benchmarks/compare/<dataset>/results.json and prints Markdown tables
(recall@20 / ndcg@20 per method and dataset, mean log-popularity of the
top-20, and each run's wall time from times.txt)."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["ml-latest-small", "lastfm-2k", "amazon-beauty", "amazon-book"]


def load():
    runs = []
    for name in ORDER + sorted(set(os.listdir(HERE)) - set(ORDER)):
        path = os.path.join(HERE, name, "results.json")
        if os.path.isfile(path):
            with open(path) as f:
                runs.append(json.load(f))
    return runs


def table(runs, title, cell):
    methods = [m["title"] for m in runs[0]["methods"]]
    out = [f"| {title} | " + " | ".join(r["data"]["name"] for r in runs) + " |",
           "|---|" + "---:|" * len(runs)]
    for i, t in enumerate(methods):
        cells = []
        for r in runs:
            ms = r["methods"]
            best = max(m["test"]["recall@20"] for m in ms)
            m = ms[i]
            c = cell(m)
            cells.append(f"**{c}**" if m["test"]["recall@20"] == best and "R@20" in title else c)
        out.append(f"| {t} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main():
    runs = load()
    if not runs:
        sys.exit("no results.json under " + HERE)
    print(table(runs, "R@20 / NDCG@20", lambda m: f"{m['test']['recall@20']:.4f} / {m['test']['ndcg@20']:.4f}"))
    print()
    print(table(runs, "coverage@20 / mean log P(d)@20",
                lambda m: f"{m['test']['coverage@20']:.3f} / {m['test']['mean_log_popularity@20']:.2f}"))
    print()
    print("| dataset | users | items | train pairs | test pairs | run time |")
    print("|---|---:|---:|---:|---:|---|")
    times = {}
    tpath = os.path.join(HERE, "times.txt")
    if os.path.isfile(tpath):
        for line in open(tpath):
            name, rest = line.split(":", 1)
            times[name] = rest.strip().split(",")[0]
    for r in runs:
        d = r["data"]
        print(f"| {d['name']} | {d['users']:,} | {d['items']:,} | {d['train_pairs']:,} | {d['test_pairs']:,} | "
              f"{times.get(d['name'], '%.0f s' % r['seconds'])} |")
    print()
    findings(runs)


def findings(runs):
    """The ratios the README's discussion quotes, per dataset."""
    print("| dataset | prior vs logQ (exact) | streaming vs exact logQ | Gram on softmax | Gram on logQ | iALS vs best two-tower |")
    print("|---|---|---|---|---|---|")
    for r in runs:
        t = {m["method"]: m["test"]["recall@20"] for m in r["methods"]}
        def rel(a, b):
            return f"{t[a]:.4f} vs {t[b]:.4f} ({100 * (t[a] / t[b] - 1):+.1f}%)"
        two = {k: v for k, v in t.items() if k not in ("popularity", "ials")}
        best = max(two, key=two.get)
        print(f"| {r['data']['name']} | {rel('prior', 'logq-exact')} | {rel('logq-streaming', 'logq-exact')} | "
              f"{rel('gram', 'softmax')} | {rel('logq-gram', 'logq-exact')} | {rel('ials', best)} ({best}) |")


if __name__ == "__main__":
    main()
