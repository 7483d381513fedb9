#!/usr/bin/env python3
"""The peer of `gramian score`: what a numpy user writes to score pairs.

Reads a `gramian export --npy` folder (user_factors.npy, item_factors.npy,
user_ids.txt, item_ids.txt, optional item_bias.npy) and a pairs file of
`user<TAB>item` lines, scores every pair by the dot product (+ item bias),
and writes `user<TAB>item<TAB>score` lines. Timed end to end (read, score,
write; the factors' load is reported separately); prints one JSON object.

Usage: numpy_score.py FACTORS_DIR PAIRS OUTPUT
"""
import json
import os
import resource
import sys
import time

import numpy as np


def main():
    factors, pairs, output = sys.argv[1:4]
    t0 = time.perf_counter()
    U = np.load(os.path.join(factors, "user_factors.npy"))
    V = np.load(os.path.join(factors, "item_factors.npy"))
    bias_path = os.path.join(factors, "item_bias.npy")
    bias = np.load(bias_path) if os.path.exists(bias_path) else None
    with open(os.path.join(factors, "user_ids.txt")) as f:
        user_index = {name: i for i, name in enumerate(f.read().split("\n")) if name}
    with open(os.path.join(factors, "item_ids.txt")) as f:
        item_index = {name: i for i, name in enumerate(f.read().split("\n")) if name}
    load = time.perf_counter() - t0

    t1 = time.perf_counter()
    with open(pairs) as f:
        fields = [line.split("\t") for line in f.read().split("\n") if line]
    users = [p[0] for p in fields]
    items = [p[1] for p in fields]
    u = np.fromiter((user_index[x] for x in users), dtype=np.int64, count=len(users))
    i = np.fromiter((item_index[x] for x in items), dtype=np.int64, count=len(items))
    t2 = time.perf_counter()
    scores = np.einsum("ij,ij->i", U[u], V[i])
    if bias is not None:
        scores += bias[i]
    t3 = time.perf_counter()
    with open(output, "w") as f:
        f.write("".join(f"{a}\t{b}\t{s}\n" for a, b, s in zip(users, items, scores.tolist())))
    t4 = time.perf_counter()
    print(json.dumps({"peer": "numpy", "numpy": np.__version__, "pairs": len(users), "load_factors_seconds": load,
                      "read_seconds": t2 - t1, "score_seconds": t3 - t2, "write_seconds": t4 - t3,
                      "seconds": t4 - t1, "pairs_per_second": len(users) / (t4 - t1),
                      "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
