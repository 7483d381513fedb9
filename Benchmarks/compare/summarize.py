#!/usr/bin/env python3
"""Cross-dataset summary of `gramian compare` runs: reads
Benchmarks/compare/<dataset>/results.json and prints Markdown tables:
recall@20 and ndcg@20 per method and dataset (mean ± standard error over
seeds), coverage@20 and mean log-popularity of the top-20, the data sizes
and wall times (times.txt), and the paired differences with their 95%
intervals and verdicts; then, for leave-one-out runs (`--protocol
leave-one-out`, e.g. amazon-beauty-loo/), HR@10 / NDCG@10 per method and
their paired differences of NDCG@10."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["ml-latest-small", "lastfm-2k", "citeulike", "amazon-beauty", "amazon-book", "epinions"]


def load(protocol="holdout"):
    """The results.json files of one protocol, in ORDER then by name."""
    runs = []
    for name in ORDER + sorted(set(os.listdir(HERE)) - set(ORDER)):
        path = os.path.join(HERE, name, "results.json")
        if os.path.isfile(path):
            with open(path) as f:
                r = json.load(f)
            if r.get("protocol", "holdout") == protocol:
                runs.append(r)
    return runs


def summary(run):
    """method -> (title, mean dict, se dict); results without seeds have one run."""
    if run.get("summary"):
        return {s["method"]: (s["title"], s["mean"], s.get("standard_error", {})) for s in run["summary"]}
    return {m["method"]: (m["title"], m["test"], {}) for m in run["methods"]}


def fmt(mean, se, key, digits=4):
    if key not in mean:
        return "-"
    text = f"{mean[key]:.{digits}f}"
    if key in se:
        text += f" ± {se[key]:.{digits}f}"
    return text


def table(runs, title, keys, digits, bold=None):
    sums = [summary(r) for r in runs]
    methods = []
    for s in sums:
        for m, v in s.items():
            if m not in [x[0] for x in methods]:
                methods.append((m, v[0]))
    out = [f"| {title} | " + " | ".join(r["data"]["name"] + f" ({len(r.get('seeds', [1]))} seed{'s' if len(r.get('seeds', [1])) > 1 else ''})" for r in runs) + " |",
           "|---|" + "---:|" * len(runs)]
    for m, t in methods:
        cells = []
        for s in sums:
            if m not in s:
                cells.append("-")
                continue
            _, mean, se = s[m]
            c = " / ".join(fmt(mean, se, k, d) for k, d in zip(keys, digits))
            if bold and bold in mean and mean[bold] == max(v[1].get(bold, -1) for v in s.values()):
                c = f"**{c}**"
            cells.append(c)
        out.append(f"| {t} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main():
    runs = load()
    if not runs:
        sys.exit("no results.json under " + HERE)
    print(table(runs, "R@20 / NDCG@20", ["recall@20", "ndcg@20"], [4, 4], bold="recall@20"))
    print()
    print(table(runs, "coverage@20 / mean log P(d)@20", ["coverage@20", "mean_log_popularity@20"], [3, 2]))
    print()
    print("| dataset | users | items | train pairs | test pairs | seeds | run time |")
    print("|---|---:|---:|---:|---:|---|---|")
    times = {}
    tpath = os.path.join(HERE, "times.txt")
    if os.path.isfile(tpath):
        for line in open(tpath):
            name, rest = line.split(":", 1)
            times[name] = rest.strip().split(",")[0]
    for r in runs:
        d = r["data"]
        seeds = ",".join(str(s) for s in r.get("seeds", [r["config"]["seed"]]))
        print(f"| {d['name']} | {d['users']:,} | {d['items']:,} | {d['train_pairs']:,} | {d['test_pairs']:,} | {seeds} | "
              f"{times.get(d['name'], '%.0f s' % r['seconds'])} |")
    print()
    differences(runs)
    loo = load("leave-one-out")
    if loo:
        print()
        leave_one_out(loo)


def differences(runs):
    """The paired differences of recall@20 the README's discussion quotes."""
    print("| question (recall@20, a - b) | " + " | ".join(r["data"]["name"] for r in runs) + " |")
    print("|---|" + "---|" * len(runs))
    questions = []
    for r in runs:
        for d in r.get("differences", []):
            q = d["question"].split(" (")[0] if d["question"].startswith("best two-tower") else d["question"]
            if d["metric"] == "recall@20" and q not in questions:
                questions.append(q)
    for q in questions:
        cells = []
        for r in runs:
            ds = [d for d in r.get("differences", []) if d["metric"] == "recall@20"
                  and (d["question"] == q or d["question"].startswith(q + " ("))]
            if not ds:
                cells.append("-")
                continue
            d = ds[0]
            rel = 100 * d["difference"] / d["mean_b"] if d["mean_b"] else float("nan")
            extra = f" [{d['a']}]" if q.startswith("best two-tower") else ""
            cells.append(f"{d['difference']:+.4f} ({d['lower']:+.4f}, {d['upper']:+.4f}) {rel:+.1f}% {d_verdict(d)}{extra}")
        print(f"| {q} | " + " | ".join(cells) + " |")


def leave_one_out(runs):
    """Per leave-one-out run: HR@10 / NDCG@10 (mean ± se), HR@20 / NDCG@20, kept epochs, then the NDCG@10 differences."""
    for r in runs:
        d = r["data"]
        seeds = r.get("seeds", [1])
        print(f"Leave-one-out, {d['name']}: {d['users']:,} users ({d['evaluated_users']:,} evaluated), {d['items']:,} items, "
              f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''}, {r['seconds']:.0f} s\n")
        print("| method | HR@10 | NDCG@10 | HR@20 | NDCG@20 | chosen per seed |")
        print("|---|---:|---:|---:|---:|---|")
        best = max(s["mean"].get("ndcg@10", -1) for s in r["summary"])
        for s in r["summary"]:
            cells = [fmt(s["mean"], s.get("standard_error", {}), k) for k in ["hr@10", "ndcg@10", "hr@20", "ndcg@20"]]
            if s["mean"].get("ndcg@10") == best:
                cells = [f"**{c}**" for c in cells]
            print(f"| {s['title']} | " + " | ".join(cells) + f" | {'; '.join(s['choices'])} |")
        print()
        print("| question (a - b) | metric | a - b (95% interval) | relative | verdict |")
        print("|---|---|---|---:|---|")
        for x in r.get("differences", []):
            rel = 100 * x["difference"] / x["mean_b"] if x["mean_b"] else float("nan")
            print(f"| {x['question']} | {x['metric']} | {x['difference']:+.4f} ({x['lower']:+.4f}, {x['upper']:+.4f}) | {rel:+.1f}% | {d_verdict(x)} |")
        print()


def d_verdict(d):
    return "better" if d["lower"] > 0 else "worse" if d["upper"] < 0 else "n.d."


if __name__ == "__main__":
    main()
