#!/usr/bin/env bash
# Issue #3's benchmark: benchmarks/darcy_week.toml (0.05 mL, darcy, 5 components, 100 um cells,
# 7 days) on THREADS threads: wall time, coupled and plain steps, and the pressure solve's share.
#   benchmarks/run_darcy_week.sh [THREADS=2] [CELL=100 um]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
threads=${1:-2}
cell=${2:-100 um}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/app/mesosim" run "$root/benchmarks/darcy_week.toml" --set "domain.cell=$cell" --threads "$threads" \
  --out "$out/run" --quiet --snapshot-interval "7 d" >/dev/null
summary=$out/run/summary.txt
grep -E '^steps |^bleb |^coupled phase' "$summary"
wall=$(sed -n 's/^steps .*wall \([0-9.]*\) s.*/\1/p' "$summary")
pressure=$(sed -n 's/^coupled phase wall time: pressure \([0-9.]*\) s.*/\1/p' "$summary")
awk -v w="$wall" -v p="$pressure" 'BEGIN { printf "pressure solve: %.1f s of %.1f s wall (%.0f %%)\n", p, w, 100 * p / w }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
