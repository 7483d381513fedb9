#!/usr/bin/env python3
"""A per-epoch time model for distributed iALS (CG, k = 128) at 100M users x
10M items x 10B interactions on N nodes with 25 Gb/s links, from what
Benchmarks/mpi/run.sh measured here:

  - the compute rate of one rank's core (pairs an epoch per second, both
    half-steps) at k = 128 with the cg solver (mpirun 1 rank x 1 thread on
    the synthetic ML-20M shape), and the measured 2-thread efficiency;
  - bytes: the exchange sends 4k bytes per factor row a rank reads from
    another rank, per half-step (checked on the wire: loopback bytes per
    epoch = formula x 1.00). So a node's traffic is 4k x (the users its items
    touch + the items its users touch), the "coverage" of its partition.

Coverage is computed from a synthetic degree model like synthetic.py's:
user activity log-normal (sigma 1.2) with mean 100 pairs, item popularity
Zipf-like with exponent --zipf (default 1.0) over 10M items; rows are split into N ranges
balanced by pairs (as Gramian does), so a user with d pairs touches a given
node's items with probability 1 - (1 - 1/N)^d (pairs spread evenly), and
an item with n pairs is read by a given node with probability 1 - (1-1/N)^n.

Usage: scaling_model.py RESULTS_DIR [--cores-per-node 32] [--efficiency 0.5]
"""
import argparse, json, math, os, random, statistics

p = argparse.ArgumentParser()
p.add_argument("results")
p.add_argument("--cores-per-node", type=int, default=32)
p.add_argument("--efficiency", type=float, default=None,
               help="parallel efficiency of a node's cores (default: the 2-thread efficiency measured here)")
p.add_argument("--link-gbit", type=float, default=25.0)
p.add_argument("--zipf", type=float, default=1.0,
               help="item popularity exponent over the 10M items (synthetic.py uses 1.5 over 27K items; over 10M items that puts 38%% of all pairs on one item, so 1.0 is the default here)")
a = p.parse_args()

def load(n):
    return json.load(open(os.path.join(a.results, n)))

k = 128
one = load("mpi-1r1t-k128.json")["epochs"][1:]
two = load("mpi-1r2t-k128.json")["epochs"][1:]
pairs_measured = 20_000_000
t1 = statistics.median(e["seconds"] - e["communication_seconds"][0] for e in one)
t2 = statistics.median(e["seconds"] - e["communication_seconds"][0] for e in two)
rate_core = pairs_measured / t1
eff = a.efficiency if a.efficiency is not None else (t1 / t2) / 2
U, I, P = 100_000_000, 10_000_000, 10_000_000_000
link = a.link_gbit / 8 * 1e9  # bytes/s each way

# Degree model (sampled, then scaled).
rnd = random.Random(1)
S = 200_000
sigma = 1.2
mu = math.log(P / U) - sigma ** 2 / 2
user_deg = [rnd.lognormvariate(mu, sigma) for _ in range(S)]
zipf = [1 / (r + 1) ** a.zipf for r in range(I)]
zsum = sum(zipf)
item_deg = [P * z / zsum for z in zipf]

def coverage_users(n):
    return sum(1 - (1 - 1 / n) ** d for d in user_deg) / S

def coverage_items(n):
    # The items a node's users touch: item with n_i pairs, 1/N of them on this node's users.
    return sum(1 - (1 - 1 / n) ** d for d in item_deg[::50]) / len(item_deg[::50])

print(f"measured here (k = {k}, cg): one core {rate_core / 1e6:.2f}M pairs an epoch per second "
      f"(epoch {t1:.2f} s on 20M pairs, collectives excluded); 2 threads {t2:.2f} s, efficiency {eff:.2f}")
print(f"degree model: user activity log-normal (sigma {sigma}, mean {P / U:.0f}), item popularity Zipf {a.zipf}")
print(f"model node: {a.cores_per_node} cores at efficiency {eff:.2f} -> "
      f"{rate_core * a.cores_per_node * eff / 1e6:.0f}M pairs an epoch per second; links {a.link_gbit:g} Gb/s\n")
print("| nodes | compute s | users read per node | items read per node | exchange GB per node | exchange s | epoch s (no overlap) | halo GB per node | dominated by |")
print("|---|---|---|---|---|---|---|---|---|")
for n in (16, 64, 256):
    compute = P / n / (rate_core * a.cores_per_node * eff)
    cu, ci = coverage_users(n), coverage_items(n)
    rows = cu * U * (1 - 1 / n) + ci * I * (1 - 1 / n)
    gb = rows * 4 * k / 1e9
    xfer = gb * 1e9 / link
    gram = 3 * 2 * math.log2(n) * (k * k * 8 / link + 5e-6)  # 3 all-reduces of k x k doubles (+ latency)
    total = compute + xfer + gram
    dom = "exchange" if xfer > compute else "compute"
    print(f"| {n} | {compute:.1f} | {cu * U / 1e6:.0f}M ({cu:.0%}) | {ci * I / 1e6:.1f}M ({ci:.0%}) | {gb:.0f} | {xfer:.1f} | "
          f"{total:.1f} | {gb + (U + I) / n * 4 * k / 1e9:.0f} | {dom} |")
