#!/usr/bin/env bash
# Every example scenario is also a quick regression test: run it (shortened where it is long) and
# compare each component's ledger percentages and metrics with the stored values, to 0.02
# (percentage points, hours, mg/mL as printed). A real change of results updates the stored file
# on purpose:  tests/regression/examples.sh MESOSIM SOURCE_DIR --update
# Usage: examples.sh PATH_TO_MESOSIM PATH_TO_SOURCE_TREE [--update]
set -u
mesosim=$1
source=$2
update=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
run_case() {  # run_case NAME -- extra args...
  local name=$1
  shift 2
  local expected=$source/tests/regression/expected/$name.txt
  if ! "$mesosim" run "$source/scenarios/examples/$name.toml" --out "$work/$name" --quiet "$@" >"$work/$name.log" 2>&1; then
    echo "FAIL $name: the run failed"; sed 's/^/    /' "$work/$name.log"; failures=$((failures + 1)); return
  fi
  # The component rows of both tables (lines with a comma after the header lines).
  grep -E '^[^,]+, [0-9n]' "$work/$name/summary.txt" | grep -v '^steps ' >"$work/$name.rows"
  if [[ $update == --update ]]; then cp "$work/$name.rows" "$expected"; echo "updated $expected"; return; fi
  if ! awk -F', ' -v tol=0.02 '
      NR == FNR { want[FNR] = $0; n = FNR; next }
      { got[FNR] = $0; m = FNR }
      END {
        if (n != m) { print "row count " m " != " n; exit 1 }
        for (r = 1; r <= n; ++r) {
          split(want[r], w, ", "); split(got[r], g, ", ")
          for (c = 2; c <= length(w); ++c) {
            if (w[c] ~ /e[-+][0-9]+$/) continue;   # the ledger residual is round-off
            if (w[c] ~ /^[-0-9.e+]+$/ && g[c] ~ /^[-0-9.e+]+$/) {
              d = w[c] - g[c]; if (d < 0) d = -d
              if (d > tol) { print "row " r " column " c ": " g[c] " vs stored " w[c]; bad = 1 }
            } else if (w[c] != g[c]) { print "row " r " column " c ": " g[c] " vs stored " w[c]; bad = 1 }
          }
        }
        exit bad
      }' "$expected" "$work/$name.rows"; then
    echo "FAIL $name"; failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}
run_case single_injection -- --end "12 h"
run_case thigh_cellulite -- --end "6 h"
run_case course --
run_case face_nappage -- --end "6 h"
run_case mantoux -- --end "30 min"
exit $((failures > 0))
