#!/usr/bin/env bash
# `mesosim sweep` end to end on scenarios/sweeps/spacing_quick.toml (8 cases of about 0.1 s):
# dry run, a parallel sweep with one table (CSV and HDF5), the same table with 1 job, with two
# shards gathered and with 2 MPI ranks (scheduling never changes a result), a failing case recorded
# without stopping the sweep, resume after lost cases, a case process killed mid-case run again,
# and input errors.
# Usage: test_sweep.sh PATH_TO_MESOSIM PATH_TO_SOURCE_TREE
set -u
mesosim=$1
sweeps=$(cd "$2" && pwd)/scenarios/sweeps
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"  # pass, fail, check and the failure count
# The table without the wall-time column: what must not depend on scheduling.
results_of() { cut -d, -f1,2,4- "$1"; }
same_table() {  # same_table NAME A.csv B.csv
  if [[ -s $2 && -s $3 ]] && diff <(results_of "$2") <(results_of "$3") >/dev/null; then
    pass "$1"
  else
    fail "$1: tables differ:"; diff <(results_of "$2") <(results_of "$3") | head -5 | sed 's/^/    /'
  fi
}

check dry-run 0 'spacing_quick.toml: 8 cases \(8 in this shard\)' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --dry-run
check sweep-2-jobs 0 'sweep finished' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --out "$work/a" --jobs 2
check table-rows 0 '^9 8$' -- bash -c "echo \$(wc -l <'$work/a/sweep.csv') \$(grep -c ',ok,' '$work/a/sweep.csv')"
check table-columns 0 'injections.0.spacing.*caffeine:max_coverage.*caffeine:systemic_fraction' -- head -1 "$work/a/sweep.csv"
check sweep-h5 0 '^8 8 ok' -- "$python" -c "
import h5py
f = h5py.File('$work/a/sweep.h5', 'r')
print(len(f['cases/id']), len(f['metrics/caffeine/max_coverage']), f['cases/status'][0].decode())"
check plot 0 'wrote .*plot_dexpanthenol_coverage_time_s_vs_injections_0_spacing.png \(4 lines' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --out "$work/a" --plot dexpanthenol:coverage_time_s --x injections.0.spacing --by injections.0.depth
check plot-is-a-picture 0 '^PNG 1000 650$' -- "$python" -c "
import struct
data = open('$work/a/plot_dexpanthenol_coverage_time_s_vs_injections_0_spacing.png', 'rb').read(24)
print('PNG' if data[1:4] == b'PNG' else 'not a PNG', *struct.unpack('>II', data[16:24]))"
check plot-non-numeric-x 2 "injections.0.cocktail: value '[a-z]+' is not a number" -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --out "$work/a" --plot dexpanthenol:coverage_time_s --x injections.0.cocktail
check plot-unknown-column 2 'no such column.*choose from' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --out "$work/a" --plot dexpanthenol:nothing --x injections.0.spacing
check sweep-1-job 0 'sweep finished' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --out "$work/b" --jobs 1 --quiet
same_table one-vs-two-jobs "$work/a/sweep.csv" "$work/b/sweep.csv"
check refuse-existing 2 'already holds cases of this sweep; continue it with --resume' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --out "$work/a"

# Lost cases are rerun on --resume, finished ones skipped.
rm -f "$work/b/cases/case-0002/summary.json" "$work/b/cases/case-0005/summary.json"
check resume 0 'case-0000 done before' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --out "$work/b" --resume
same_table resumed "$work/a/sweep.csv" "$work/b/sweep.csv"

# A case process killed mid-case (kill -9, as the OOM killer does) runs again: the sweep finishes
# with every row ok and the table of an undisturbed sweep.
cat >"$work/kill.toml" <<EOF
base = "$sweeps/nappage_base.toml"
set = ["domain.cell=300 um", "time.end=4 d"]  # about 2.5 s a case: long enough to be killed mid-case
[parameters]
"injections.0.depth" = ["1 mm", "2 mm"]
EOF
"$mesosim" sweep "$work/kill.toml" --out "$work/kill" --jobs 1 >"$work/kill.log" 2>&1 &
sweep_pid=$!
killed=""
for _ in $(seq 600); do  # up to 60 s for a case process, then let it run for a moment
  child=$(pgrep -P "$sweep_pid" | head -1)
  if [[ -n $child ]]; then sleep 0.5; kill -9 "$child" 2>/dev/null && killed=$child; break; fi
  sleep 0.1
done
wait "$sweep_pid"
rc=$?
if [[ -n $killed && $rc -eq 0 ]] && grep -q 'killed by signal 9, run again' "$work/kill.log" &&
  [[ $(grep -c ',ok,' "$work/kill/sweep.csv") -eq 2 ]]; then
  pass "killed-case-run-again"
else
  fail "killed-case-run-again: killed '${killed}', exit $rc, log:"; sed 's/^/    /' "$work/kill.log"
fi
check killed-case-status 0 '"reruns": ?1' -- cat "$work/kill/cases/case-0000/status.json"
check undisturbed 0 'sweep finished' -- "$mesosim" sweep "$work/kill.toml" --out "$work/kill-ref" --jobs 1 --quiet
same_table killed-vs-undisturbed "$work/kill-ref/sweep.csv" "$work/kill/sweep.csv"

# Shards in one directory, then --gather.
check shard-0 0 'sweep finished' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --out "$work/s" --shard 0/2 --quiet
check shard-1 0 'sweep finished' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --out "$work/s" --shard 1/2 --quiet
check shard-table 0 '^5$' -- bash -c "wc -l <'$work/s/sweep-shard-1-of-2.csv'"
check gather 0 'gathered 8 cases' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --out "$work/s" --gather
same_table shards-gathered "$work/a/sweep.csv" "$work/s/sweep.csv"

# Two MPI ranks on loopback.
if command -v mpirun >/dev/null; then
  check mpi-2-ranks 0 'sweep finished' -- bash -c "set -o pipefail; mpirun --allow-run-as-root --oversubscribe -n 2 '$mesosim' sweep '$sweeps/spacing_quick.toml' --out '$work/m' | tee '$work/mpi.log'"
  same_table mpi-vs-local "$work/a/sweep.csv" "$work/m/sweep.csv"
  check mpi-both-ranks-worked 0 '^4 4$' -- bash -c "echo \$(grep -c ' ok rank 0' '$work/mpi.log') \$(grep -c ' ok rank 1' '$work/mpi.log')"
else
  fail "mpi: mpirun not found (scripts/setup installs openmpi-bin)"
fi

# A failing case is recorded and the sweep goes on (exit 6).
cat >"$work/bad.toml" <<TOML
base = "$sweeps/nappage_base.toml"
set = ["domain.cell=1 mm", "time.end=2 h"]
[parameters]
"injections.0.depth" = ["1 mm", "9 mm"]
TOML
check failing-case 6 'case-0001 invalid.*depth' -- "$mesosim" sweep "$work/bad.toml" --out "$work/bad"
check failing-case-table 0 'case-0000,ok.*case-0001,invalid' -- bash -c "tr '\n' ' ' <'$work/bad/sweep.csv'"

# Darcy-reservoir cases add the bleb figures to the table.
cat >"$work/darcy.toml" <<TOML
base = "$(cd "$2" && pwd)/scenarios/examples/single_injection.toml"
set = ["domain.cell=500 um", "time.end=1 h", "injections.0.reservoir=darcy"]
[parameters]
"injections.0.rate" = ["0.01 mL/s", "0.05 mL/s"]
TOML
check darcy-sweep 0 'sweep finished' -- "$mesosim" sweep "$work/darcy.toml" --out "$work/darcy" --quiet
check darcy-bleb-columns 0 'bleb:max_peak_pressure_Pa.*bleb:max_diameter_m.*bleb:max_fluid_fraction' -- head -1 "$work/darcy/sweep.csv"

# Input errors.
printf 'base = "%s"\n[parameters]\n"time.end" = ["1 h"]\n[sampling]\nmethod = "sobol"\ncount = 2\n' "$sweeps/nappage_base.toml" >"$work/e1.toml"
check bad-method 2 "sampling.method: 'sobol' is not a method; choose latin_hypercube or random" -- "$mesosim" sweep "$work/e1.toml" --dry-run
printf 'base = "%s"\nparamters = 1\n' "$sweeps/nappage_base.toml" >"$work/e2.toml"
check unknown-key 2 'did you mean.*parameters' -- "$mesosim" sweep "$work/e2.toml" --dry-run
printf 'base = "%s"\n[[zip]]\n"a.b" = ["1 h", "2 h"]\n"c.d" = ["1 h"]\n' "$sweeps/nappage_base.toml" >"$work/e3.toml"
check zip-lengths 2 'zipped lists must be equally long' -- "$mesosim" sweep "$work/e3.toml" --dry-run
check bad-shard 2 'expected i/N' -- "$mesosim" sweep "$sweeps/spacing_quick.toml" --shard 2/2 --dry-run

echo "$failures failure(s)"
exit $((failures > 0))
