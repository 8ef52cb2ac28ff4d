#!/usr/bin/env bash
# Issue #15's Darcy half: benchmarks/week25.toml (25 x 0.05 mL, reservoir = "darcy", 5 components)
# on THREADS threads at CELL, to END: wall time, coupled and plain steps, and where the coupled
# phase's time goes (DarcyStats: pressure solves and multigrid-CG iterations, advection,
# diffusion and reactions), with the load average before and after.
#   benchmarks/run_week_darcy.sh [THREADS=2] [CELL=100 um] [END=7 d]
# Quick looks: benchmarks/run_week_darcy.sh 2 "400 um" "1 h"
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
threads=${1:-2}
cell=${2:-100 um}
end=${3:-7 d}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} "$build/app/mesosim" run "$root/benchmarks/week25.toml" \
  --set "domain.cell=$cell" --end "$end" --threads "$threads" --out "$out/run" --quiet >/dev/null
summary=$out/run/summary.txt
grep -E '^steps |^bleb |^coupled phase' "$summary"
/usr/bin/python3 - "$out/run/summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
b = s["bleb"]
wall = s["run"]["wall_time_s"]
parts = [("pressure", b["wall_pressure_s"]), ("advection", b["wall_advection_s"]),
         ("diffusion and reactions", b["wall_diffusion_reaction_s"])]
coupled = sum(v for _, v in parts)
print("coupled steps %d, pressure solves %d (%.1f per step), multigrid-CG iterations %d (%.1f per solve)"
      % (b["coupled_steps"], b["pressure_solves"], b["pressure_solves"] / max(b["coupled_steps"], 1),
         b["pressure_iterations"], b["pressure_iterations"] / max(b["pressure_solves"], 1)))
print("fluid at rest at %s s" % b["fluid_at_rest_s"])
for name, value in parts:
    print("  %-24s %8.1f s  (%.0f %% of the coupled phase%s)" % (name, value, 100 * value / max(coupled, 1e-300),
          ", %.0f %% of the wall time" % (100 * value / wall) if wall else ""))
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
