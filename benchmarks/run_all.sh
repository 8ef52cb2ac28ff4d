#!/usr/bin/env bash
# Runs every benchmark and prints the figures quoted in the README. Takes about 10 minutes on
# 2 cores. Builds first (through scripts/setup). Peak memory from /usr/bin/time -v (package `time`).
#   benchmarks/run_all.sh            # everything
#   benchmarks/run_all.sh r1         # one part: steps | r1 | week | krylov
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup"
bin=${BUILD_DIR:-$root/build}/benchmarks
part=${1:-all}
peak() { /usr/bin/time -v "$@" 2> >(grep -E "Maximum resident set size" | sed 's/^\s*/  peak memory: /' >&2); }
if [[ $part == all || $part == steps ]]; then "$bin/bench_transport"; fi
if [[ $part == all || $part == r1 ]]; then
  for comps in 1 5; do for threads in 1 2; do peak "$bin/bench_r1" "$comps" "$threads"; done; done
fi
if [[ $part == all || $part == week ]]; then
  for threads in 1 2; do "$bin/bench_7day" "$threads"; done
fi
if [[ $part == all || $part == krylov ]]; then "$bin/krylov_comparison" 10 2; fi
