#!/usr/bin/env bash
# How long a stop takes in the Darcy bleb's coupled phase: the researcher's week
# (benchmarks/week25.toml, reservoir = "darcy") at CELL on 2 threads gets SIGTERM WAIT seconds after
# it started; prints the seconds from the signal to the exit, the exit code, the simulated time it
# stopped at, whether the checkpoint holds moving fluid (darcy.at_rest = 0) and its size.
#   benchmarks/run_stop.sh [CELL=100 um] [WAIT=120]
# BUILD_DIR picks another build (e.g. an older one, to compare).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
cell=${1:-100 um}
wait_s=${2:-120}
out=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$out"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} "$build/app/mesosim" run "$root/benchmarks/week25.toml" \
  --set "domain.cell=$cell" --threads 2 --out "$out/run" >"$out/log" 2>&1 &
pid=$!
sleep "$wait_s"
kill -0 $pid 2>/dev/null || { echo "run_stop.sh: the run ended before the signal: $(tail -3 "$out/log")" >&2; exit 1; }
start=$(date +%s.%N)
kill -TERM $pid
rc=0
wait $pid || rc=$?
latency=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
at_rest=$(/usr/bin/python3 -c "
import h5py
print(int(h5py.File('$out/run/checkpoint.h5', 'r')['memory'].attrs['darcy.at_rest'][0]))" 2>/dev/null || echo "?")
size=$(du -m "$out/run/checkpoint.h5" 2>/dev/null | cut -f1 || echo "?")
printf "SIGTERM %s s after the start at %s: exit %s %.1f s later; %s\n" "$wait_s" "$cell" "$rc" "$latency" \
  "$(grep -o 'stopped by SIGTERM at [^(]*' "$out/log" || echo 'no stop line')"
echo "checkpoint: $size MB, darcy.at_rest = $at_rest"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
