#!/usr/bin/env python3
"""Medians of Benchmarks/serve/run.sh's rounds: one table, gramian serve
against the FastAPI + uvicorn peer, with the ratio of each figure."""
import json, statistics, sys, os

out = sys.argv[1]
runs = [json.loads(l) for l in open(os.path.join(out, "runs.jsonl")) if l.strip()]
cpu = open(os.path.join(out, "cpu.txt")).read().strip()

def med(xs):
    return statistics.median(xs) if xs else float("nan")

rows = {}
for r in runs:
    rows.setdefault((r["variant"], r["server"]), []).append(r)

print("# gramian serve vs FastAPI + uvicorn + hnswlib (serve_peer.py)\n")
print("iALS k=64 on amazon-book; wrk 32 connections, 1 thread; medians of %d rounds.\n" %
      max(len(v) for v in rows.values()))
model = next((l.split(":", 1)[1].strip() for l in cpu.splitlines() if "Model name" in l), "?")
flags = next((l.split(":", 1)[1].split() for l in cpu.splitlines() if "Flags" in l), [])
simd = [f for f in flags if f.startswith(("avx", "fma", "sse4"))]
print(f"CPU: {model}, {next((l.split(':', 1)[1].strip() for l in cpu.splitlines() if 'CPU(s)' in l), '?')} CPUs; SIMD flags: {' '.join(simd)}\n")
print("| workload | server | requests/s | pairs/s | p50 ms | p99 ms | server CPU % | non-2xx | rounds |")
print("|---|---|---|---|---|---|---|---|---|")
for variant in ("exact", "hnsw", "score"):
    for server in ("peer", "gramian"):
        rs = rows.get((variant, server), [])
        if not rs:
            continue
        rps = med([r["requests_per_second"] for r in rs])
        pps = med([r.get("pairs_per_second", float("nan")) for r in rs])
        print(f"| {variant} | {server} | {rps:,.0f} | {'' if pps != pps else f'{pps:,.0f}'} | "
              f"{med([r['p50_ms'] for r in rs]):.2f} | {med([r['p99_ms'] for r in rs]):.2f} | "
              f"{med([r.get('server_cpu_percent', float('nan')) for r in rs]):.0f} | "
              f"{sum(r['non_2xx'] for r in rs)} | {len(rs)} |")
print()
for variant in ("exact", "hnsw", "score"):
    g, p = rows.get((variant, "gramian")), rows.get((variant, "peer"))
    if not g or not p:
        continue
    ratio = med([r["requests_per_second"] for r in g]) / med([r["requests_per_second"] for r in p])
    p99 = med([r["p99_ms"] for r in g]) / med([r["p99_ms"] for r in p])
    print(f"- {variant}: requests/s {ratio:.2f}x the peer's; p99 {p99:.2f}x the peer's")
