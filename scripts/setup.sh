#!/usr/bin/env bash
# Installs the system packages Gramian needs (OpenBLAS with CBLAS, LAPACKE,
# pkg-config; SQLite for the service's event store; Open MPI for distributed
# iALS and oneDNN for a faster sgemm, both optional) when they are missing.
# Debian/Ubuntu; uses sudo when not root.
set -euo pipefail
need=()
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
[ -f /usr/include/lapacke.h ] || need+=(liblapacke-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
# Open MPI is optional (distributed iALS, `make mpi`); GRAMIAN_NO_MPI=1 skips it.
optional=()
# oneDNN is optional: when its library is present Gramian's sgemm runs on it
# (loaded at run time; AVX-512 kernels on CPUs that have them), else on
# OpenBLAS. GRAMIAN_NO_ONEDNN=1 skips it.
if [ "${GRAMIAN_NO_ONEDNN:-0}" != 1 ]; then
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libdnnl\.so\.[23]' || optional+=(libdnnl2)
fi
if [ "${GRAMIAN_NO_MPI:-0}" != 1 ]; then
  pkg-config --exists ompi 2>/dev/null || optional+=(libopenmpi-dev)
  command -v mpirun >/dev/null || optional+=(openmpi-bin)
fi
if [ ${#need[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  if [ ${#need[@]} -eq 0 ]; then
    echo "setup: optional ${optional[*]} not found: without Open MPI distributed iALS (fit ials --distributed) is not built; without oneDNN sgemm runs on OpenBLAS" >&2
    exit 0
  fi
  echo "setup: missing ${need[*]}; install OpenBLAS, LAPACKE, pkg-config and SQLite's headers with your package manager" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
all=("${need[@]}" "${optional[@]}")
echo "setup: installing ${all[*]}" >&2
$sudo apt-get update -qq
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
# An optional package the distribution lacks must not stop the build.
for p in "${optional[@]}"; do
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$p" >/dev/null ||
    echo "setup: could not install the optional package $p; continuing without it" >&2
done
