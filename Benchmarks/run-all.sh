#!/usr/bin/env bash
# Runs every benchmark that has a peer side by side (release builds, 2 threads).
# Each writes its results next to its script; see Benchmarks/README.md.
# Needs the shared datasets next to the clone and the peers' venvs
# (../shared/bench/setup-peers.sh, setup-tfrs.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
for script in Benchmarks/*/run.sh; do
  echo "== $script" >&2
  bash "$script"
done
bash Benchmarks/evaluate/crosscheck.sh
