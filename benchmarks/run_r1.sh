#!/usr/bin/env bash
# Reference problem R1 (bench_r1.cpp): 1 and 5 components on 1 and 2 threads, each run under
# /usr/bin/time -v for its peak memory. Prints every run's own report, then one table.
# Builds bench_r1 first when the build directory exists. About 4 minutes on 2 cores.
#   benchmarks/run_r1.sh                  # build directory: $BUILD_DIR, default build/
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
[[ -f $build/CMakeCache.txt ]] || { echo "run_r1.sh: no build in $build; configure first:" \
  "cmake -S $root -B $build -DCMAKE_BUILD_TYPE=Release" >&2; exit 1; }
cmake --build "$build" --target bench_r1 >/dev/null
if [[ ! -x /usr/bin/time ]]; then
  echo "run_r1.sh: installing package 'time' for /usr/bin/time"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get install -y -qq time >/dev/null
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"; }

echo "R1 on $(nproc) hardware threads; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for comps in 1 5; do
  for threads in 1 2; do
    run=$logs/r1_${comps}_${threads}
    /usr/bin/time -v "$build/benchmarks/bench_r1" "$comps" "$threads" >"$run.out" 2>"$run.time" \
      || { cat "$run.out" "$run.time" >&2; exit 1; }
    cat "$run.out"
  done
done

echo
echo "R1: 100^3 cells of 20 um, no-flux walls, implicit, fixed dt 0.6 s, 1000 steps (t = 600 s);"
echo "    ms/step x 1000 = wall s of the stepping; elapsed = the whole process (set-up and error sums too);"
echo "    rel L2 err = against the cell-averaged exact solution, worst component"
printf "%-6s %-7s %9s %9s %11s %14s  %s\n" comps threads "ms/step" "Mupd/s" "rel L2 err" "elapsed" \
  "Maximum resident set size"
for comps in 1 5; do
  for threads in 1 2; do
    run=$logs/r1_${comps}_${threads}
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$run.time")
    elapsed=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): *//p' "$run.time")
    printf "%-6s %-7s %9s %9s %11s %14s  %s kB (%s MiB)\n" "$comps" "$threads" \
      "$(field ms_per_step "$run.out")" "$(field mupd_per_s "$run.out")" "$(field worst_rel_l2 "$run.out")" \
      "$elapsed" "$rss" "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
  done
done
