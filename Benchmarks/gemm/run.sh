#!/usr/bin/env bash
# sgemm at Gramian's shapes: OpenBLAS (as detected, and with
# OPENBLAS_CORETYPE=Haswell), BLIS and oneDNN, same process, same data.
# Needs libopenblas-dev; BLIS and oneDNN are measured when installed
# (apt-get install libblis4 libdnnl2). Writes results/<date>/summary.md.
# Usage: Benchmarks/gemm/run.sh   (env: THREADS=2)
set -euo pipefail
cd "$(dirname "$0")"
THREADS=${THREADS:-2}
OUT=results/$(date +%Y%m%d)
mkdir -p "$OUT"
BIN=$(mktemp -d)/gemm_shapes
gcc -O2 -o "$BIN" gemm_shapes.c $(pkg-config --cflags --libs openblas) -ldl
{
  echo "# sgemm GFLOP/s at Gramian's shapes, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'); $(nproc) cores; AVX-512: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no)"
  echo
  echo "## OpenBLAS with its own CPU detection (OPENBLAS_CORETYPE unset)"
  echo
  env -u OPENBLAS_CORETYPE OMP_NUM_THREADS=$THREADS "$BIN" "$THREADS"
  echo
  echo "## OPENBLAS_CORETYPE=Haswell (the pin some machines set)"
  echo
  OPENBLAS_CORETYPE=Haswell OMP_NUM_THREADS=$THREADS "$BIN" "$THREADS"
} | tee "$OUT/summary.md"
lscpu > "$OUT/lscpu.txt"
