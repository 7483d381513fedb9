#!/usr/bin/env python3
"""Benchmarks/mpi/summarize.py RESULTS_DIR: the tables of README.md from run.sh's JSON files."""
import json, os, statistics, sys

d = sys.argv[1]
def load(name):
    p = os.path.join(d, name)
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None  # not run (yet), or the run failed: see its .err file

def med(xs):
    return statistics.median(xs) if xs else float("nan")

out = []
out.append("## Scaling on the synthetic ML-20M shape (20M pairs), CG, per epoch (median of epochs 2..)\n")
out.append("| k | run | epoch s | user s | item s | solve s per rank (users + items) | collectives s per rank | factor MB sent per rank (measured = 4k x rows) |")
out.append("|---|---|---|---|---|---|---|---|")
for k in (64, 128):
    s = load(f"single-2t-k{k}.json")
    if s:
        ep = s["epochs"][1:]
        out.append(f"| {k} | one process, 2 threads (`fit ials`) | {med([e['seconds'] for e in ep]):.2f} | "
                   f"{med([e['user_seconds'] for e in ep]):.2f} | {med([e['item_seconds'] for e in ep]):.2f} | - | - | - |")
    for tag, label in (("1r1t", "mpirun 1 rank x 1 thread"), ("2r1t", "mpirun 2 ranks x 1 thread"), ("1r2t", "mpirun 1 rank x 2 threads")):
        m = load(f"mpi-{tag}-k{k}.json")
        if not m:
            continue
        ep = m["epochs"][1:]
        ranks = len(ep[0]["communication_seconds"])
        comm = [med([e["communication_seconds"][r] for e in ep]) for r in range(ranks)]
        sent = ep[0]["bytes_sent"]
        rows = ep[0]["rows_sent"]
        formula_ok = all(b == 4 * k * n for b, n in zip(sent, rows))
        solve = [f"{med([e['user_solve_seconds'][r] for e in ep]):.2f} + {med([e['item_solve_seconds'][r] for e in ep]):.2f}"
                 for r in range(ranks)] if "user_solve_seconds" in ep[0] else ["-"]
        out.append(f"| {k} | {label} | {med([e['seconds'] for e in ep]):.2f} | {med([e['user_seconds'] for e in ep]):.2f} | "
                   f"{med([e['item_seconds'] for e in ep]):.2f} | {', '.join(solve)} | {', '.join(f'{c:.2f}' for c in comm)} | "
                   f"{', '.join(f'{b / 1e6:.1f}' for b in sent)}{' (= formula)' if formula_ok else ' (differs from formula!)'} |")

w2, w4 = load("wire-2r-k64-e2.bytes.json"), load("wire-2r-k64-e4.bytes.json")
wj = load("wire-2r-k64-e4.json")
if w2 and w4 and wj:
    per_epoch = (w4["loopback_tx_bytes"] - w2["loopback_tx_bytes"]) / 2
    factor = sum(wj["epochs"][0]["bytes_sent"])
    k = 64
    gram = 2 * 2 * k * k * 8 * 2  # two Gram all-reduces an epoch (+ the loss's), k x k doubles, both ranks send
    out.append("\n## Bytes on the wire, 2 ranks over TCP on loopback, k = 64\n")
    out.append(f"loopback bytes per epoch (difference of a 4- and a 2-epoch run, / 2): {per_epoch / 1e6:.1f} MB; "
               f"formula: factor rows {factor / 1e6:.1f} MB (sum over ranks of 4k x rows sent) + Gram all-reduces ~{gram / 1e6:.2f} MB "
               f"= {(factor + gram) / 1e6:.1f} MB; ratio measured / formula {per_epoch / (factor + gram):.3f} "
               "(the rest: TCP/IP and MPI headers, the loss and agreement collectives)")

out.append("\n## Spark MLlib ALS vs Gramian distributed, 80/20 split of the same file (16M training pairs)\n")
out.append("| k | engine | per-epoch s | recall@20 | ndcg@20 | Spark's epoch / this epoch |")
out.append("|---|---|---|---|---|---|")
def metric(e, name):
    if not e:
        return float("nan")
    m = e.get("metrics") or e.get("results", {}).get("metrics") or {}
    if isinstance(m, list):
        m = m[0].get("metrics", {})
    return m.get(name, float("nan"))
for k in (64, 128):
    sp = load(f"spark-k{k}.json")
    if sp:
        ev = load(f"spark-k{k}.eval.json")
        out.append(f"| {k} | Spark local[2], {sp.get('blocks', '')} blocks, {sp.get('epochs', '')} epochs (Hu et al., exact double Cholesky, lambda 0.01 n_u) | "
                   f"{sp['per_epoch_seconds']:.2f} | {metric(ev, 'recall@20'):.4f} | {metric(ev, 'ndcg@20'):.4f} | 1 |")
    runs = [(f"gramian-split-k{k}-{solver}-spark-model", f"{solver}, Spark's model (hu, c = 2, lambda 0.01 n_u)") for solver in ("cg", "exact")]
    runs.append((f"gramian-split-k{k}-cg-tuned", "cg, tuned on validation (alpha0 0.01, lambda 0.01, nu 1)"))
    for tag, label in runs:
        g = load(tag + ".json")
        if not g:
            continue
        ev = load(tag + ".eval.json")
        ep = g["epochs"][1:]
        t = med([e["seconds"] for e in ep])
        line = f"| {k} | Gramian 2 ranks x 1 thread, {label}, {len(g['epochs'])} epochs | {t:.2f} | " \
               f"{metric(ev, 'recall@20'):.4f} | {metric(ev, 'ndcg@20'):.4f} |"
        line += f" {sp['per_epoch_seconds'] / t:.1f}x |" if sp else " - |"
        out.append(line)
print("\n".join(out))
