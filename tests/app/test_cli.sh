#!/usr/bin/env bash
# The `mesosim` command end to end: version and help, input errors exit with code 2 and a
# message that names the option and the fix, a short run of the built-in case writes its results
# and closes the ledger, and an existing output directory is never overwritten without --force.
# Usage: test_cli.sh PATH_TO_MESOSIM PATH_TO_SOURCE_TREE
set -u
mesosim=$1
example=$2/scenarios/examples/single_injection.toml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"  # pass, fail, check and the failure count
check version 0 '^mesosim [0-9]+\.[0-9]+\.[0-9]+' -- "$mesosim" --version
check help 0 '--tolerance' -- "$mesosim" run --help
check no-subcommand 2 'subcommand is required' -- "$mesosim"
check bad-scheme 2 "unknown time-stepping scheme 'foo'; choose" -- "$mesosim" run --scheme foo --out "$work/a"
check missing-unit 2 'a unit is required' -- "$mesosim" run --end 7 --out "$work/a"
check wrong-unit 2 'has dimension kg but --end needs s' -- "$mesosim" run --end "7 kg" --out "$work/a"
check bad-tolerance 2 'tolerance 2 must be in \(0, 1\)' -- "$mesosim" run --tolerance 2 --out "$work/a"
check unknown-option 2 'unrecognized|not expected|Extras' -- "$mesosim" run --speed 3
check short-run 0 'results: .*/run' -- "$mesosim" run --end "2 h" --cell "400 um" --out "$work/run" --quiet
check ledger-written 0 'lidocaine' -- cat "$work/run/ledger.csv"
# Every ledger residual in the summary is below 1e-12 in magnitude.
check ledger-closes 0 '^ok$' -- bash -c "tail -n +4 '$work/run/summary.txt' | awk -F', ' 'NF < 2 {exit} {r=\$NF; if (r<0) r=-r; if (r>1e-12) bad=1} END {print bad ? \"bad\" : \"ok\"}'"
check metrics-written 0 'coverage' -- head -1 "$work/run/metrics.csv"
check summary-json 0 '"residence_half_life_s"' -- cat "$work/run/summary.json"
check refuse-overwrite 2 'already holds results.*--force' -- "$mesosim" run --end "1 h" --out "$work/run"
check force-overwrite 0 'results:' -- "$mesosim" run --end "1 h" --cell "400 um" --out "$work/run" --force --quiet
check explicit-run 0 'results:' -- "$mesosim" run --scheme explicit --end "10 min" --cell "500 um" --out "$work/explicit" --quiet
# Scenario files: check, run, --set, and the example equals the built-in case.
check scenario-check 0 "'single injection' is valid" -- "$mesosim" check "$example"
check scenario-check-set 0 'grid: 200 x 200 x 60 cells' -- "$mesosim" check "$example" --set 'domain.cell=100 um'
check scenario-typo 2 "time.ned: unknown key; did you mean 'time.end'" -- "$mesosim" check "$example" --set time.ned=1
check scenario-missing 2 'scenario' -- "$mesosim" run "$work/none.toml"
check scenario-run 0 'results:' -- "$mesosim" run "$example" --end "2 h" --out "$work/example" --quiet
check builtin-run 0 'results:' -- "$mesosim" run --end "2 h" --out "$work/builtin" --quiet
check example-is-builtin 0 '^same$' -- bash -c "cmp -s '$work/example/ledger.csv' '$work/builtin/ledger.csv' && echo same"
check too-much-memory 2 'domain.cell: the grid of .* would need about .* GB but this machine has' -- "$mesosim" check "$example" --set 'domain.cell=10 um'
check unstable-step 2 'time: explicit scheme: time step 100 s is unstable; the limit' -- "$mesosim" check "$example" --set time.scheme=explicit --set 'time.step=100 s'
check presets-list 0 'tissue presets: .*forearm' -- "$mesosim" presets
check presets-one 0 'Gibney 2010' -- "$mesosim" presets tissue thigh
check presets-typo 2 "did you mean 'lidocaine'" -- "$mesosim" presets component lidocain
# Patterns, sessions and techniques: check reports the layers each deposit fills and warns on fat.
examples=$2/scenarios/examples
check check-layers 0 'needle points by the layers they fill' -- "$mesosim" check "$examples/face_nappage.toml"
check check-fat-warning 0 'warning: 25 of 25 needle points reach the hypodermis \(fat\) but the target is dermal' -- "$mesosim" check "$examples/face_nappage.toml"
check check-compact-table 0 '\.\.\. 17 more points' -- "$mesosim" check "$examples/face_nappage.toml"
check check-sessions 0 'deposits: 4 needle points \(1 per session x 4 sessions\)' -- "$mesosim" check "$examples/course.toml"
check check-course-end 2 'time.end: the run ends at 20 d but the last injection \(injections\[0\], point 0, session 4 of 4\) is at 21 d' -- "$mesosim" check "$examples/course.toml" --set 'time.end=20 d'
check check-pattern-typo 2 "injections\[0\].pattern: 'squre' is not a pattern.*did you mean 'square'" -- "$mesosim" check "$examples/thigh_cellulite.toml" --set injections.0.pattern=squre
check check-outside 2 'injections\[0\].position: point 0 at x = -10.00 mm, y = -10.00 mm, 4.00 mm deep lies outside the tissue block.*reduce spacing' -- "$mesosim" check "$examples/thigh_cellulite.toml" --set 'injections.0.spacing=30 mm'
check face-run 0 'results:' -- "$mesosim" run "$examples/face_nappage.toml" --end "1 h" --out "$work/face" --quiet
check presets-techniques 0 'technique presets: gun_grid nappage point_by_point retrotracing' -- "$mesosim" presets
check presets-technique 0 'nappage.*superficial' -- "$mesosim" presets technique
check presets-technique-one 0 'source: .*\[E\]' -- "$mesosim" presets technique retrotracing
check presets-technique-typo 2 "did you mean 'nappage'" -- "$mesosim" presets technique napage
# The darcy reservoir from a scenario: the bleb is reported, every ledger closes, results.h5 holds
# the bleb series and a snapshot of the excess fluid at the end of the injection.
check darcy-run 0 'bleb \(excess fluid fraction >= 0.1\): largest 0.050 mL' -- "$mesosim" run "$example" --set injections.0.reservoir=darcy --set 'injections.0.rate=0.01 mL/s' --set 'domain.cell=500 um' --end "2 h" --out "$work/darcy" --quiet
check darcy-ledgers-close 0 '^ok$' -- bash -c "sed -n '4,6p' '$work/darcy/summary.txt' | awk -F', ' '{r=\$NF; if (r<0) r=-r; if (r>1e-12) bad=1} END {print bad ? \"bad\" : \"ok\"}'"
check darcy-per-injection 0 'injection 0 at its end \(t = 5.0 s\): 0.0[45][0-9] mL of excess fluid' -- cat "$work/darcy/summary.txt"
check darcy-fluid-ledger 0 '"max_fluid_ledger_residual": [0-9.e-]+' -- grep max_fluid_ledger_residual "$work/darcy/summary.json"
check darcy-results 0 '^5\.0 [1-9]' -- /usr/bin/python3 -c "
import h5py
f = h5py.File('$work/darcy/results.h5', 'r')
print('%.1f' % f['snapshots/time_s'][1], len(f['bleb/time_s']), f['snapshots/000001/excess_fluid'][()].max() > 0)"
check darcy-check 0 'darcy reservoir: each injection flows for 2.5-2.5 s.*forearm-dermis calibration' -- "$mesosim" check "$example" --set injections.0.reservoir=darcy --set 'injections.0.rate=0.02 mL/s'
check darcy-rate-needs-darcy 2 'injections\[0\].rate: a flow rate applies to reservoir = "darcy" only' -- "$mesosim" check "$example" --set 'injections.0.rate=0.01 mL/s'
check darcy-bad-reservoir 2 "injections\[0\].reservoir: 'bleb' is not a reservoir model" -- "$mesosim" check "$example" --set injections.0.reservoir=bleb
exit $((failures > 0))
