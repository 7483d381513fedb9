"""Writes a synthetic MovieLens-shaped CSV `user,item,rating,timestamp`
(with header) for the read benchmark.

    make_csv.py OUTPUT [--lines 20000000] [--seed 1]

Users 1..160000 and items 1..60000 (Zipf-like item popularity, ids are
integers as in MovieLens), ratings in {0.5, 1.0, ..., 5.0}, timestamps in
the MovieLens 20M range. Written in chunks with pandas.
"""
import argparse

import numpy as np
import pandas as pd


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("output")
    p.add_argument("--lines", type=int, default=20_000_000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    chunk = 2_000_000
    with open(a.output, "w") as f:
        f.write("userId,movieId,rating,timestamp\n")
        for start in range(0, a.lines, chunk):
            n = min(chunk, a.lines - start)
            users = np.sort(rng.integers(1, 160_001, n))
            items = np.minimum(rng.zipf(1.3, n), 60_000)
            ratings = rng.integers(1, 11, n) * 0.5
            stamps = rng.integers(789_652_009, 1_427_784_002, n)
            pd.DataFrame({"u": users, "i": items, "r": ratings, "t": stamps}).to_csv(
                f, header=False, index=False, float_format="%.1f")


if __name__ == "__main__":
    main()
