#!/usr/bin/env python3
"""JSON bookkeeping for Benchmarks/quality/run.sh (standard library only).

  record FILE KEY=VALUE ...     read one JSON object on stdin (the output of
                                `gramian fit ials --json`, `gramian evaluate
                                --json` or `peers.py ... `), append
                                {"params": {...}, "out": {...}} to FILE (JSON lines)
  best FILE [FIELD]             print the "args" (or FIELD) param of the line with the best
                                validation recall@20 (ties: first in grid order)
  weights IN OUT MODE           copy a user<TAB>item<TAB>weight file with the
                                weight replaced by 1 (MODE=binary) or log(1+w) (log1p)
  peer-counts STDERR            print {"test_users": N, "dropped": M} from peers.py's log
  report WORK OUT               gather WORK/*/ into OUT/results.json and rewrite the
                                results section of OUT/README.md
"""
import json, math, os, re, sys

METRICS = ["recall@20", "recall@50", "ndcg@20", "ndcg@100"]


def metrics_of(out):
    return out.get("metrics") or {}


def cmd_record(path, pairs):
    params = dict(p.split("=", 1) for p in pairs)
    text = sys.stdin.read()
    try:
        out = json.loads(text)
    except json.JSONDecodeError:
        sys.exit(f"quality.py record: the command printed no JSON object for {params} "
                 f"(stdout was {text[:200]!r}); see the stderr above")
    with open(path, "a") as f:
        f.write(json.dumps({"params": params, "out": out}) + "\n")
    m = metrics_of(out)
    print(f"    {params.get('args', '')}: recall@20 {m.get('recall@20', float('nan')):.4f}", file=sys.stderr)


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def cmd_best(path, field="args"):
    rows = read_lines(path)
    best = max(rows, key=lambda r: metrics_of(r["out"]).get("recall@20", -1.0))
    print(best["params"].get(field, ""))


def cmd_weights(src, dst, mode):
    f = (lambda w: 1.0) if mode == "binary" else (lambda w: math.log1p(w))
    with open(src) as i, open(dst, "w") as o:
        for line in i:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                continue
            w = float(parts[2]) if len(parts) > 2 else 1.0
            o.write(f"{parts[0]}\t{parts[1]}\t{f(w):.7g}\n")


def cmd_peer_counts(path):
    text = open(path).read()
    m = re.search(r"test users (\d+) \(dropped (\d+) unknown pairs\)", text)
    print(json.dumps({"test_users": int(m.group(1)), "dropped": int(m.group(2))} if m else {}))


def fmt(x, digits=4):
    return "–" if x is None else f"{x:.{digits}f}"


def summarize_grid(rows):
    """The grid as {param: sorted distinct values} and the best row."""
    best = max(rows, key=lambda r: metrics_of(r["out"]).get("recall@20", -1.0))
    return best, [
        {"args": r["params"]["args"], "val_recall@20": metrics_of(r["out"]).get("recall@20"),
         "fit_seconds": r["out"].get("train_seconds", r["out"].get("fit_seconds"))}
        for r in rows]


def cmd_report(work, out_dir):
    datasets = []
    for name in ["ml-latest-small", "ml-100k", "lastfm-2k", "amazon-book"]:
        d = os.path.join(work, name)
        if not os.path.exists(os.path.join(d, "final-gramian.jsonl")):
            continue
        entry = {"dataset": name}
        elapsed = os.path.join(d, "elapsed")
        if os.path.exists(elapsed):
            entry["run_seconds"] = int(open(elapsed).read())
        meta_path = os.path.join(d, "meta.json")
        if os.path.exists(meta_path):
            entry.update(json.load(open(meta_path)))
        pop = read_lines(os.path.join(d, "final-popularity.jsonl"))[-1]["out"]
        entry["popularity"] = {"metrics": {k: pop["metrics"][k] for k in METRICS},
                               "test_users": pop["users"], "data": pop["data"]}
        for side in ("gramian", "implicit"):
            grid = read_lines(os.path.join(d, f"grid-{side}.jsonl"))
            best, table = summarize_grid(grid)
            final = read_lines(os.path.join(d, f"final-{side}.jsonl"))[-1]
            fo = final["out"]
            chosen = best["params"]["args"]
            if best["params"].get("weights"):
                chosen += f" (weights: {best['params']['weights']})"
            e = {"chosen": chosen,
                 "val_recall@20": metrics_of(best["out"]).get("recall@20"),
                 "metrics": {k: fo["metrics"][k] for k in METRICS},
                 "fit_seconds": fo.get("train_seconds", fo.get("fit_seconds")),
                 "grid": table}
            if side == "gramian":
                e["test_users"] = fo["data"].get("testUsers")
                e["test_pairs"] = fo["data"].get("testPairs")
                ref = os.path.join(d, "reference-check.json")
                if os.path.exists(ref):
                    e["reference_check"] = json.load(open(ref))
            else:
                counts = os.path.join(d, "final-implicit.counts.json")
                if os.path.exists(counts):
                    e.update(json.load(open(counts)))
            entry[side] = e
        datasets.append(entry)
    run = {}
    run_path = os.path.join(work, "run.json")
    if os.path.exists(run_path):
        run = json.load(open(run_path))
    result = {"run": run, "datasets": datasets}
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    lines = []
    if run:
        total = sum(e.get("run_seconds", 0) for e in datasets)
        per = ", ".join(f"{e['dataset']} {e.get('run_seconds', 0) / 60:.1f} min" for e in datasets)
        lines.append(f"Last run {run.get('date')} on {run.get('cpu')} ({run.get('cores')} cores), commit "
                     f"{run.get('commit')}, k = {run.get('factors')}, {run.get('epochs')} epochs, "
                     f"{run.get('threads')} threads. Wall time per dataset (grids, refits, evaluation): "
                     f"{per}; {total / 60:.1f} min in all.\n")
    for e in datasets:
        lines.append(f"### {e['dataset']}\n")
        if "description" in e:
            lines.append(e["description"] + "\n")
        lines.append("| model | recall@20 | recall@50 | ndcg@20 | ndcg@100 | chosen on validation | val recall@20 | fit s |")
        lines.append("|---|---|---|---|---|---|---|---|")
        p = e["popularity"]["metrics"]
        lines.append("| popularity | " + " | ".join(fmt(p[k]) for k in METRICS) + " | – | – | – |")
        for side, label in (("implicit", "implicit 0.7.3 ALS, tuned"), ("gramian", "Gramian iALS, tuned")):
            s = e[side]
            m = s["metrics"]
            lines.append(f"| {label} | " + " | ".join(fmt(m[k]) for k in METRICS)
                         + f" | `{s['chosen']}` | {fmt(s['val_recall@20'])} | {fmt(s['fit_seconds'], 1)} |")
        g, i, pp = e["gramian"]["metrics"], e["implicit"]["metrics"], p
        lines.append("")
        lines.append(f"Gramian vs popularity, recall@20: {g['recall@20'] / pp['recall@20']:.2f}x; "
                     f"Gramian vs implicit: recall@20 {100 * (g['recall@20'] / i['recall@20'] - 1):+.1f}%, "
                     f"ndcg@20 {100 * (g['ndcg@20'] / i['ndcg@20'] - 1):+.1f}%. "
                     f"Test users: {e['gramian'].get('test_users')} (Gramian), "
                     f"{e['implicit'].get('test_users')} (implicit), {e['popularity']['test_users']} (popularity).")
        ref = e["gramian"].get("reference_check")
        if ref:
            lines.append(f"Gramian's refit factors scored by `peers.py evaluate`: recall@20 "
                         f"{fmt(ref['metrics']['recall@20'])}, ndcg@20 {fmt(ref['metrics']['ndcg@20'])} "
                         f"(test users {ref.get('test_users')}, dropped pairs {ref.get('dropped_test_pairs')}).")
        lines.append("")
    section = "\n".join(lines)
    readme = os.path.join(out_dir, "README.md")
    text = open(readme).read() if os.path.exists(readme) else ""
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    if begin in text and end in text:
        text = text[:text.index(begin) + len(begin)] + "\n" + section + "\n" + text[text.index(end):]
    else:
        text += f"\n{begin}\n{section}\n{end}\n"
    with open(readme, "w") as f:
        f.write(text)
    print(section)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "record":
        cmd_record(args[0], args[1:])
    elif cmd == "best":
        cmd_best(*args)
    elif cmd == "weights":
        cmd_weights(*args)
    elif cmd == "peer-counts":
        cmd_peer_counts(args[0])
    elif cmd == "report":
        cmd_report(*args)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
