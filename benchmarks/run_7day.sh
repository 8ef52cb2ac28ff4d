#!/usr/bin/env bash
# The 7-day diffusion-clearance run (bench_7day.cpp) on 1 and 2 threads, each under /usr/bin/time -v
# for its peak memory: the implicit adaptive week in full, the explicit week extrapolated from
# timed steps. Prints every run's own report, then one table. About 1.5 minutes on 2 cores.
#   benchmarks/run_7day.sh [TOLERANCE [EXPLICIT_STEPS]]    # defaults 1e-3 and 200
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
tolerance=${1:-1e-3}
explicit_steps=${2:-200}
[[ -f $build/CMakeCache.txt ]] || { echo "run_7day.sh: no build in $build; configure first:" \
  "cmake -S $root -B $build -DCMAKE_BUILD_TYPE=Release" >&2; exit 1; }
cmake --build "$build" --target bench_7day >/dev/null
if [[ ! -x /usr/bin/time ]]; then
  echo "run_7day.sh: installing package 'time' for /usr/bin/time"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get install -y -qq time >/dev/null
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"; }

echo "7-day run on $(nproc) hardware threads; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for threads in 1 2; do
  run=$logs/week_$threads
  /usr/bin/time -v "$build/benchmarks/bench_7day" "$threads" "$tolerance" "$explicit_steps" >"$run.out" 2>"$run.time" \
    || { cat "$run.out" "$run.time" >&2; exit 1; }
  cat "$run.out"
  echo
done

echo "7 days, 200 x 200 x 60 cells of 100 um, 1 component; implicit adaptive (tolerance $tolerance) run in full,"
echo "explicit EXTRAPOLATED from $explicit_steps timed steps at its stable limit. ms/call = adaptive wall time per"
echo "stepper call (3 per attempt: one dt, two dt/2); bare = the implicit stepper alone"
printf "%-7s | %9s %8s %8s %6s %8s %8s %8s | %7s %8s %10s %12s %8s | %s\n" threads "impl wall" accepted rejected \
  calls "ms/call" "bare ms" "days/s" "expl dt" "ms/step" "steps/wk" "wall (extr)" "days/s" "Maximum resident set size"
for threads in 1 2; do
  run=$logs/week_$threads
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$run.time")
  printf "%-7s | %8ss %8s %8s %6s %8s %8s %8s | %6ss %8s %10s %11ss %8s | %s kB (%s MiB)\n" "$threads" \
    "$(field implicit_wall_s "$run.out")" "$(field accepted "$run.out")" "$(field rejected "$run.out")" \
    "$(field stepper_calls "$run.out")" "$(field implicit_ms_per_call "$run.out")" \
    "$(field implicit_bare_ms_per_step "$run.out")" "$(field days_per_wall_s "$run.out")" \
    "$(field explicit_dt_s "$run.out")" "$(field explicit_ms_per_step "$run.out")" \
    "$(field explicit_steps_needed "$run.out")" "$(field explicit_wall_extrapolated_s "$run.out")" \
    "$(field explicit_days_per_wall_s "$run.out")" "$rss" "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
done
