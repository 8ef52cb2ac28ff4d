#!/usr/bin/env bash
# Issue #15's benchmark, the researcher's week (benchmarks/week25.toml: 25 injections 4 mm apart, five
# components, 30 x 30 x 8 mm, 7 days) on 2 threads with the chosen reservoir: wall time, steps, time by
# phase, simulated days per wall second, the STREAM triad measured in the same run, and the summary
# figures' differences from a reference run at tolerance 1e-5 (computed once, cached in REFERENCE_DIR).
#   benchmarks/run_week.sh [instant|darcy|both] [REFERENCE_DIR] [CELL]     # defaults: instant, none, 100 um
#   benchmarks/run_week.sh instant /work/bench/week_ref "200 um"           # the quick coarse iteration
# BASELINE=DIR also prints the differences of another run's summary.json (e.g. an older build's) from
# the same reference. Without REFERENCE_DIR no differences are printed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
which=${1:-instant}
reference_dir=${2:-}
cell=${3:-100 um}
threads=2
python=/usr/bin/python3  # with the standard json module; the first python3 on PATH may be another
case $which in
  instant) reservoirs=(instant) ;;
  darcy) reservoirs=(darcy) ;;
  both) reservoirs=(instant darcy) ;;
  *) echo "run_week.sh: reservoir '$which' unknown; choose instant, darcy or both" >&2; exit 1 ;;
esac
for program in app/mesosim benchmarks/bench_transport; do
  [[ -x $build/$program ]] || { echo "run_week.sh: $build/$program missing; build it first:" \
    "cmake --build $build --target $(basename $program)" >&2; exit 1; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

run() {  # reservoir directory [extra --set ...]
  local reservoir=$1 dir=$2
  shift 2
  "$build/app/mesosim" run "$root/benchmarks/week25.toml" --set "injections.0.reservoir=$reservoir" \
    --set "domain.cell=$cell" "$@" --threads "$threads" --out "$dir" --force --quiet >/dev/null
}

# Per-component summary figures, the reference's and the run's: the ledger fractions, coverage,
# residence half-life and peak; prints the largest absolute difference of each figure.
compare() {  # reference.json run.json label
  "$python" - "$1" "$2" "$3" <<'EOF'
import json, sys
reference, run = (json.load(open(path)) for path in sys.argv[1:3])
fields = [("in_tissue_fraction", 1, "in tissue (fraction)"), ("systemic_fraction", 1, "to blood (fraction)"),
          ("lymph_fraction", 1, "to lymph (fraction)"), ("degraded_fraction", 1, "degraded (fraction)"),
          ("out_of_box_fraction", 1, "out of box (fraction)"), ("max_coverage", 1, "max coverage (fraction)"),
          ("residence_half_life_s", 1 / 3600, "residence half-life (h)"), ("peak_kg_m3", 1, "peak (mg/mL)"),
          ("time_above_threshold_s", 1 / 3600, "time above threshold (h)")]
print(f"{sys.argv[3]}: largest |run - reference| over the components (worst component)")
for key, scale, label in fields:
    worst, name = 0.0, "-"
    for r, c in zip(reference["components"], run["components"]):
        if r.get(key) is None or c.get(key) is None:
            continue
        d = abs(c[key] - r[key]) * scale
        if d >= worst:
            worst, name = d, c["name"]
    print(f"  {label:28s} {worst:10.3e}  ({name})")
EOF
}

echo "researcher's week, cells of $cell, $threads threads, $(nproc) hardware threads"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/benchmarks/bench_transport" --triad-only "$threads" | sed 's/^/triad (3 x 256 MiB, before): /'
for reservoir in "${reservoirs[@]}"; do
  dir=$out/$reservoir
  run "$reservoir" "$dir"
  summary=$dir/summary.json
  "$python" - "$summary" "$reservoir" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
run, integrator = report["run"], report.get("integrator", {})
wall = run["wall_time_s"]
print(f"\n{sys.argv[2]}: wall {wall:.1f} s; {run['steps']} steps accepted, {run['rejected_steps']} rejected; "
      f"{run['end_time_s'] / 86400 / wall:.4f} simulated days per wall second")
if integrator:
    print(f"  {integrator['component_steps']} component steps, {integrator['stepper_calls']} stepper calls on one component")
phases = [("implicit steps", integrator.get("wall_stepping_s")), ("error estimates", integrator.get("wall_error_estimate_s")),
          ("copies (restorations)", integrator.get("wall_copying_s")), ("deposits", integrator.get("wall_deposits_s")),
          ("metrics", run["metrics_wall_time_s"]), ("writing results", run["output_wall_time_s"])]
if "bleb" in report:
    bleb = report["bleb"]
    phases += [("pressure solve (coupled)", bleb.get("wall_pressure_s")), ("advection (coupled)", bleb.get("wall_advection_s")),
               ("diffusion + reactions (coupled)", bleb.get("wall_diffusion_reaction_s"))]
known = 0.0
for name, seconds in phases:
    if seconds is None:
        continue
    known += seconds
    print(f"  {name:32s} {seconds:8.2f} s  {100 * seconds / wall:5.1f} %")
print(f"  {'rest (set-up, other)':32s} {wall - known:8.2f} s  {100 * (wall - known) / wall:5.1f} %")
EOF
  if [[ -n $reference_dir ]]; then
    ref=$reference_dir/${reservoir}_${cell// /}_tol1e-5
    if [[ ! -f $ref/summary.json ]]; then
      echo "  reference (tolerance 1e-5) not cached in $ref: computing it once (takes several times the run)"
      mkdir -p "$reference_dir"
      run "$reservoir" "$ref" --set time.tolerance=1e-5
    fi
    compare "$ref/summary.json" "$summary" "  this run against the reference $ref"
    [[ -n ${BASELINE:-} ]] && compare "$ref/summary.json" "$BASELINE/summary.json" "  BASELINE $BASELINE against it"
  fi
done
"$build/benchmarks/bench_transport" --triad-only "$threads" | sed 's/^/triad (after): /'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
