"""Turns the JSON of run.sh into the README table and an SVG chart.

Usage: report.py OUT_DIR DEST_DIR
Reads OUT_DIR/ab{64,128}/{gramian-ip,gramian-augmented,hnswlib}.json (or
.1.json, .2.json, ... for several rounds: the median build time and, per ef,
the median recall and queries/s over the rounds) and OUT_DIR/exact.json;
writes DEST_DIR/results.md and DEST_DIR/recall-vs-qps.svg.
queries/s at a target recall is interpolated linearly between the two ef
values whose recalls bracket it (">=" when the smallest ef already exceeds it).
"""
import glob, json, math, os, statistics, sys

out, dest = sys.argv[1], sys.argv[2]
SYSTEMS = [("gramian-ip", "Gramian HNSW, ip", "#1f77b4"),
           ("gramian-augmented", "Gramian HNSW, augmented", "#2ca02c"),
           ("hnswlib", "hnswlib 0.8.0, ip", "#d62728")]
TARGETS = [0.90, 0.95, 0.99]


def at_recall(runs, target):
    runs = sorted(runs, key=lambda r: r["ef"])
    if runs[0]["recall"] >= target:
        return runs[0]["queries_per_second"], ">="
    for a, b in zip(runs, runs[1:]):
        if a["recall"] < target <= b["recall"]:
            t = (target - a["recall"]) / (b["recall"] - a["recall"])
            return a["queries_per_second"] + t * (b["queries_per_second"] - a["queries_per_second"]), ""
    return None, "not reached"


def merged(rounds):
    """Median over rounds of the build time and, per ef, of recall and q/s."""
    if len(rounds) == 1:
        return dict(rounds[0], rounds=1, loads=[rounds[0].get("load_average")])
    efs = sorted({r["ef"] for d in rounds for r in d["runs"]})
    runs = []
    for ef in efs:
        rs = [r for d in rounds for r in d["runs"] if r["ef"] == ef]
        runs.append({"ef": ef, "recall": statistics.median(r["recall"] for r in rs),
                     "queries_per_second": statistics.median(r["queries_per_second"] for r in rs)})
    return dict(rounds[0], runs=runs, rounds=len(rounds),
                build_seconds=statistics.median(d["build_seconds"] for d in rounds),
                builds=[d["build_seconds"] for d in rounds],
                loads=[d.get("load_average") for d in rounds])


data = {}
for k in (64, 128):
    for key, _, _ in SYSTEMS:
        paths = sorted(glob.glob(os.path.join(out, f"ab{k}", f"{key}.[0-9]*.json")))
        single = os.path.join(out, f"ab{k}", f"{key}.json")
        if not paths and os.path.exists(single):
            paths = [single]
        if paths:
            data[(k, key)] = merged([json.load(open(p)) for p in paths])

lines = ["| k | system | build s (2 threads) | " + " | ".join(f"q/s @ recall {t:.2f}" for t in TARGETS) + " | ratio to hnswlib @ 0.90 / 0.95 / 0.99 | build ratio |",
         "|---|---|---|" + "---|" * len(TARGETS) + "---|---|"]
for k in (64, 128):
    peer = data.get((k, "hnswlib"))
    for key, label, _ in SYSTEMS:
        d = data.get((k, key))
        if not d:
            continue
        cells, ratios = [], []
        for t in TARGETS:
            q, note = at_recall(d["runs"], t)
            cells.append("-" if q is None else f"{note}{q:,.0f}")
            pq = at_recall(peer["runs"], t)[0] if peer else None
            ratios.append("-" if q is None or pq is None else f"{q / pq:.2f}")
        build_ratio = f"{d['build_seconds'] / peer['build_seconds']:.2f}" if peer else "-"
        lines.append(f"| {k} | {label} | {d['build_seconds']:.2f} | " + " | ".join(cells) + " | " + " / ".join(ratios) + f" | {build_ratio} |")

curves = ["", "Curves (ef: recall@10, queries/s on one thread):", ""]
for k in (64, 128):
    for key, label, _ in SYSTEMS:
        d = data.get((k, key))
        if d:
            pts = ", ".join(f"{r['ef']}: {r['recall']:.4f} / {r['queries_per_second']:,.0f}" for r in sorted(d["runs"], key=lambda r: r["ef"]))
            curves.append(f"- k={k} {label}: {pts}")
loads = sorted({l for d in data.values() for l in d.get("loads", []) if l is not None})
rounds = [f"- k={k} {label}: {d['rounds']} round(s)" + (", builds " + ", ".join(f"{b:.2f}" for b in d["builds"]) + " s" if "builds" in d else "")
          for k in (64, 128) for key, label, _ in SYSTEMS if (d := data.get((k, key)))]
exact = ""
ep = os.path.join(out, "exact.json")
if os.path.exists(ep):
    e = json.load(open(ep))
    exact = (f"\nExact top-K (amazon-book, {e['users']} users x {e['items']} items, k = {e['factors']}, K = {e['k']}, "
             f"{e['threads']} threads, block {e['block']} x tile {e['tile']}, median of {e['repeats']}): "
             f"{e['exact_topk_seconds']:.2f} s = {e['exact_topk_gflops']:.1f} GFLOP/s; plain sgemm of the same product "
             f"({e['reference_block']} users x all items per call) {e['sgemm_seconds']:.2f} s = {e['sgemm_gflops']:.1f} GFLOP/s; "
             f"exact top-K runs at {100 * e['exact_fraction_of_sgemm']:.0f}% of sgemm throughput (load average {e['load_average']}).\n")
open(os.path.join(dest, "results.md"), "w").write(
    "\n".join(lines + curves) + "\n\nRounds (medians over them above):\n\n" + "\n".join(rounds)
    + f"\n\nLoad average during the Gramian runs: {loads}\n" + exact)

# SVG: recall@10 (x) vs queries/s (y, log scale), one panel per k.
W, H, PAD = 460, 340, 60
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W}" height="{H + 40}" font-family="sans-serif" font-size="12">',
       f'<rect width="{2 * W}" height="{H + 40}" fill="white"/>']
allq = [r["queries_per_second"] for d in data.values() for r in d["runs"]]
qmin, qmax = 10 ** math.floor(math.log10(min(allq))), 10 ** math.ceil(math.log10(max(allq)))
rmin, rmax = 0.85, 1.0
for p, k in enumerate((64, 128)):
    x0 = p * W
    X = lambda r: x0 + PAD + (r - rmin) / (rmax - rmin) * (W - PAD - 20)
    Y = lambda q: H - PAD + 20 - (math.log10(q) - math.log10(qmin)) / (math.log10(qmax) - math.log10(qmin)) * (H - PAD - 10)
    svg.append(f'<text x="{x0 + W / 2}" y="18" text-anchor="middle" font-size="14">amazon-book iALS k = {k}, M = 16, efConstruction = 200</text>')
    svg.append(f'<line x1="{X(rmin)}" y1="{Y(qmin)}" x2="{X(rmax)}" y2="{Y(qmin)}" stroke="black"/>')
    svg.append(f'<line x1="{X(rmin)}" y1="{Y(qmin)}" x2="{X(rmin)}" y2="{Y(qmax)}" stroke="black"/>')
    for i in range(0, 16, 3):
        r = rmin + i * 0.01
        svg.append(f'<line x1="{X(r)}" y1="{Y(qmin)}" x2="{X(r)}" y2="{Y(qmin) + 5}" stroke="black"/><text x="{X(r)}" y="{Y(qmin) + 18}" text-anchor="middle">{r:.2f}</text>')
    q = qmin
    while q <= qmax:
        svg.append(f'<line x1="{X(rmin) - 5}" y1="{Y(q)}" x2="{X(rmax)}" y2="{Y(q)}" stroke="#ddd"/><text x="{X(rmin) - 8}" y="{Y(q) + 4}" text-anchor="end">{q:,.0f}</text>')
        q *= 10
    svg.append(f'<text x="{x0 + W / 2 + 20}" y="{H + 10}" text-anchor="middle">recall@10 against exact search</text>')
    svg.append(f'<text x="{x0 + 14}" y="{H / 2}" text-anchor="middle" transform="rotate(-90 {x0 + 14} {H / 2})">queries/s, one thread (log)</text>')
    for n, (key, label, colour) in enumerate(SYSTEMS):
        d = data.get((k, key))
        if not d:
            continue
        pts = [(X(max(rmin, r["recall"])), Y(r["queries_per_second"])) for r in sorted(d["runs"], key=lambda r: r["ef"])]
        svg.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}"/>')
        svg += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"/>' for a, b in pts]
        svg.append(f'<rect x="{X(rmin) + 10}" y="{35 + 16 * n}" width="12" height="3" fill="{colour}"/><text x="{X(rmin) + 28}" y="{40 + 16 * n}">{label}</text>')
svg.append("</svg>")
open(os.path.join(dest, "recall-vs-qps.svg"), "w").write("\n".join(svg))
print("\n".join(lines))
