#!/usr/bin/env bash
# What writing results costs: runs an example (default: the built-in case, 7 days) with snapshots
# every 1 h, 6 h, 12 h (the default) and only at the ends, float64 and float32, and prints for each
# the wall time, the time spent writing (rows, snapshots, checkpoints) and computing the metrics at
# every output time (both measured by the run itself: summary.json run.output_wall_time_s and
# run.metrics_wall_time_s), their shares and the size of results.h5.
#   benchmarks/run_output.sh [SCENARIO.toml] [extra mesosim run options...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
scenario=()
if [[ $# -gt 0 && $1 == *.toml ]]; then scenario=("$1"); shift; fi
cmake --build "$build" --target mesosim >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "output cost on $(nproc) hardware threads; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-12s %-8s %8s %9s %7s %10s %7s %6s %8s\n" snapshots precision "wall s" "writing s" share "metrics s" share count "size MB"
for interval in "1 h" "6 h" "12 h" "100 d"; do
  for precision in float64 float32; do
    flag=(); [[ $precision == float32 ]] && flag=(--float32)
    rm -rf "$work/run"
    "$build/app/mesosim" run "${scenario[@]}" --quiet --out "$work/run" --snapshot-interval "$interval" "${flag[@]}" "$@" >/dev/null
    /usr/bin/python3 - "$work/run" "$interval" "$precision" <<'PY'
import json, os, sys
d, interval, precision = sys.argv[1:4]
r = json.load(open(os.path.join(d, "summary.json")))["run"]
size = os.path.getsize(os.path.join(d, "results.h5")) / 1e6
w, o, m = r["wall_time_s"], r["output_wall_time_s"], r["metrics_wall_time_s"]
print("%-12s %-8s %8.2f %9.2f %6.1f%% %10.2f %6.1f%% %6d %8.1f" % (interval, precision, w, o, 100 * o / w, m, 100 * m / w,
      r["snapshots"], size))
PY
  done
done
