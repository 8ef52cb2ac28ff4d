#!/usr/bin/env bash
# The coupled reservoir against the plain deposit (bench_darcy.cpp) on 1 and 2 threads: one
# 0.05 mL injection at 0.01 mL/s followed for HOURS. About 1 minute on 2 cores at the defaults.
#   benchmarks/run_darcy.sh [HOURS [CELL_UM]]    # defaults 3 h, 200 um cells
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
hours=${1:-3}
cell_um=${2:-200}
[[ -f $build/CMakeCache.txt ]] || { echo "run_darcy.sh: no build in $build; configure first:" \
  "cmake -S $root -B $build -DCMAKE_BUILD_TYPE=Release" >&2; exit 1; }
cmake --build "$build" --target bench_darcy >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for threads in 1 2; do
  OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} "$build/benchmarks/bench_darcy" "$threads" "$hours" "$cell_um"
  echo
done
