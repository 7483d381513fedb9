#!/usr/bin/env python3
"""Writes N seeded `user<TAB>item` pairs drawn uniformly from the ids of a
`gramian export --npy` folder. Usage: make_pairs.py FACTORS_DIR N OUTPUT"""
import os
import random
import sys

factors, n, output = sys.argv[1], int(sys.argv[2]), sys.argv[3]
users = [x for x in open(os.path.join(factors, "user_ids.txt")).read().split("\n") if x]
items = [x for x in open(os.path.join(factors, "item_ids.txt")).read().split("\n") if x]
rng = random.Random(7)
with open(output, "w") as f:
    f.write("".join(f"{rng.choice(users)}\t{rng.choice(items)}\n" for _ in range(n)))
