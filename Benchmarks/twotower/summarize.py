#!/usr/bin/env python3
"""Prints the side-by-side table of a run.sh results file (JSON lines)."""
import json, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["bench"], {})["tfrs" if r.get("peer") == "tfrs" else "gramian"] = r
print("| config | TFRS ex/s | Gramian ex/s | ratio | TFRS recall@20 | Gramian recall@20 | TFRS ndcg@20 | Gramian ndcg@20 |")
print("|---|---|---|---|---|---|---|---|")
for name, p in by.items():
    t, g = p.get("tfrs", {}), p.get("gramian", {})
    te, ge = t.get("examples_per_second"), g.get("examples_per_second")
    tm, gm = t.get("metrics", {}), g.get("metrics", {})
    ratio = f"{ge / te:.2f}x" if te and ge else "-"
    f = lambda x: f"{x:.4f}" if isinstance(x, float) else "-"
    n = lambda x: f"{x:,.0f}" if x else "-"
    print(f"| {name} | {n(te)} | {n(ge)} | {ratio} | {f(tm.get('recall@20'))} | {f(gm.get('recall@20'))} | {f(tm.get('ndcg@20'))} | {f(gm.get('ndcg@20'))} |")
