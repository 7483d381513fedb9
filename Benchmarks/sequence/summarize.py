#!/usr/bin/env python3
"""Summarises a Benchmarks/sequence/run.sh log (JSON lines): per run, the
median sequences/s and positions/s over epochs 2..N (the first epoch holds
the peer's tracing and both sides' warm-up), test HR/NDCG@10/20 (leave-one-
out, full ranking), and Gramian's ratio to the peer of the same repetition."""
import json, statistics, sys


def rates(d):
    eps = d.get("epochs", [])
    later = eps[1:] or eps
    if d["bench"].startswith("peer"):
        return statistics.median(e["sequences_per_second"] for e in later), statistics.median(e["examples_per_second"] for e in later)
    return statistics.median(e["sequences_per_second"] for e in later), statistics.median(e["positions_per_second"] for e in later)


def main(path):
    runs = [json.loads(l) for l in open(path) if l.strip()]
    peers = {r["rep"]: r for r in runs if r["bench"].startswith("peer")}
    print(f"CPU: {runs[0].get('cpu')}  flags: {runs[0].get('flags')}")
    print("| run | rep | epochs | sequences/s | positions/s | ratio to peer (seq/s) | HR@10 | NDCG@10 | HR@20 | NDCG@20 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        s, p = rates(r)
        m = r.get("metrics", {})
        peer = peers.get(r["rep"])
        ratio = f"{s / rates(peer)[0]:.2f}x" if peer and not r["bench"].startswith("peer") else ""
        print(f"| {r['bench']} | {r['rep']} | {len(r.get('epochs', []))} | {s:,.0f} | {p:,.0f} | {ratio} | "
              f"{m.get('hr@10', float('nan')):.4f} | {m.get('ndcg@10', float('nan')):.4f} | "
              f"{m.get('hr@20', float('nan')):.4f} | {m.get('ndcg@20', float('nan')):.4f} |")


if __name__ == "__main__":
    main(sys.argv[1])
