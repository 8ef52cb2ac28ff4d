#!/usr/bin/env bash
# Sweep speed-up: the 8 cases of scenarios/sweeps/spacing_quick.toml on 500 um cells for 1 day
# (about 1-2 s each), run with 1 and 2 jobs on one machine, and with 1 and 2 MPI ranks (mpirun,
# one job per rank). Prints the wall times and speed-ups.
#   benchmarks/run_sweep.sh [CELL [END]]      # defaults "500 um" and "1 d"
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
cell=${1:-500 um}
end=${2:-1 d}
cmake --build "$build" --target mesosim >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/sweep.toml" <<TOML
name = "sweep benchmark"
base = "$root/scenarios/sweeps/nappage_base.toml"
set = ["domain.cell=$cell", "time.end=$end"]
[parameters]
"injections.0.spacing" = ["2 mm", "8 mm"]
"injections.0.depth" = ["1 mm", "2 mm"]
"injections.0.cocktail" = ["revitalising", "lipolytic"]
TOML
mpi=(mpirun --oversubscribe); [[ $(id -u) -eq 0 ]] && mpi+=(--allow-run-as-root)
seconds() { local start=$(date +%s.%N); "$@" >/dev/null; awk "BEGIN {print $(date +%s.%N) - $start}"; }
ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
echo "sweep of 8 cases ($cell cells, $end) on $(nproc) hardware threads; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
one=$(seconds "$build/app/mesosim" sweep "$work/sweep.toml" --out "$work/j1" --jobs 1 --quiet)
two=$(seconds "$build/app/mesosim" sweep "$work/sweep.toml" --out "$work/j2" --jobs 2 --quiet)
r1=$(seconds "${mpi[@]}" -n 1 "$build/app/mesosim" sweep "$work/sweep.toml" --out "$work/r1" --quiet)
r2=$(seconds "${mpi[@]}" -n 2 "$build/app/mesosim" sweep "$work/sweep.toml" --out "$work/r2" --quiet)
printf "%-22s %8s %9s\n" run "wall s" speed-up
printf "%-22s %8.2f %9s\n" "1 job" "$one" 1.00
printf "%-22s %8.2f %9s\n" "2 jobs" "$two" "$(ratio "$one" "$two")"
printf "%-22s %8.2f %9s\n" "mpirun -n 1" "$r1" 1.00
printf "%-22s %8.2f %9s\n" "mpirun -n 2" "$r2" "$(ratio "$r1" "$r2")"
for d in j2 r1 r2; do
  diff <(cut -d, -f1,2,4- "$work/j1/sweep.csv") <(cut -d, -f1,2,4- "$work/$d/sweep.csv") >/dev/null ||
    { echo "tables differ: j1 vs $d" >&2; exit 1; }
done
echo "all four tables identical (wall-time column aside)"
