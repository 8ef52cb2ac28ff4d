#!/usr/bin/env bash
# Runs every benchmark and prints the figures quoted in the README. Takes about 10 minutes on
# 2 cores. Builds first (through scripts/setup). run_r1.sh and run_7day.sh add peak memory.
#   benchmarks/run_all.sh            # everything
#   benchmarks/run_all.sh r1         # one part: steps | r1 | week | krylov | darcy
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup"
bin=${BUILD_DIR:-$root/build}/benchmarks
part=${1:-all}
if [[ $part == all || $part == steps ]]; then "$bin/bench_transport"; fi
if [[ $part == all || $part == r1 ]]; then "$root/benchmarks/run_r1.sh"; fi
if [[ $part == all || $part == week ]]; then "$root/benchmarks/run_7day.sh"; fi
if [[ $part == all || $part == krylov ]]; then "$bin/krylov_comparison" 10 2; fi
if [[ $part == all || $part == darcy ]]; then "$root/benchmarks/run_darcy.sh"; fi
