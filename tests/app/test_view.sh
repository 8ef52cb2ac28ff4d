#!/usr/bin/env bash
# `mesosim view` end to end: a small real run of the built-in case (500 um cells, 1 day, the
# geometric snapshots), its page written and opened in headless Chromium by view_browser.mjs
# (no console errors, slider, component switch, 3-D modes, cells, play; screenshots not blank and
# different between times); a darcy run's page shows the bleb; input errors exit 2.
# The same checks run in Firefox (ESR, in a window under xvfb-run: headless Firefox has no WebGL 2).
# Usage: test_view.sh PATH_TO_MESOSIM PATH_TO_SOURCE_TREE NODE_MODULES_DIR CHROMIUM FIREFOX
set -u
mesosim=$1
source_tree=$2
modules=$3
chromium=$4
firefox=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"  # pass, fail, check and the failure count

"$mesosim" run --cell "500 um" --end "1 d" --threads 2 --quiet --out "$work/run" >"$work/run.log" 2>&1 ||
  { cat "$work/run.log"; exit 1; }
if "$mesosim" view "$work/run" >"$work/view.log" 2>&1 && [[ -s $work/run/view.html ]]; then
  pass "view ($(head -1 "$work/view.log"))"
else
  fail "view: $(cat "$work/view.log")"
fi
# One file, nothing fetched: no <script src> or <link href> in the page.
if grep -qiE '<script[^>]+src=|<link[^>]+href=' "$work/run/view.html"; then fail "the page loads outside files"
else pass "the page is self-contained"; fi
# The geometric schedule: 0, 5, 15, 30 min, 1, 2, 4, 8, 12 h and 1 d = 10 snapshots in the page.
n=$(grep -o '"label":"day [0-9]*, [0-9:]*"' "$work/run/view.html" | wc -l)
if [[ $n == 10 ]]; then pass "10 snapshots in the page"; else fail "$n snapshots in the page, expected 10"; fi

if node "$source_tree/tests/app/view_browser.mjs" "$modules" "$work/run/view.html" "$work/shots" "$chromium"; then
  pass "the page in headless Chromium"
else
  fail "the page in headless Chromium"
fi
if xvfb-run -a -s "-screen 0 1920x1200x24 -nolisten tcp" \
     node "$source_tree/tests/app/view_browser.mjs" "$modules" "$work/run/view.html" "$work/shots-firefox" "$firefox" --firefox; then
  pass "the page in Firefox"
else
  fail "the page in Firefox"
fi

# A darcy-reservoir run: the 3-D view shows the bleb at the end of the injection.
if "$mesosim" run "$source_tree/scenarios/examples/single_injection.toml" --set 'domain.cell=500 um' \
     --set injections.0.reservoir=darcy --end "1 h" --out "$work/darcy" --quiet >/dev/null 2>&1 &&
   "$mesosim" view "$work/darcy" --out "$work/darcy.html" >/dev/null 2>&1 &&
   node "$source_tree/tests/app/view_browser.mjs" "$modules" "$work/darcy.html" "$work/shots-darcy" "$chromium" --bleb; then
  pass "darcy run: the bleb in the 3-D view"
else
  fail "darcy run: the bleb in the 3-D view"
fi

expect_input_error() {
  local what=$1 pattern=$2
  shift 2
  local output
  output=$("$mesosim" view "$@" 2>&1)
  local rc=$?
  if [[ $rc -eq 2 && $output == *$pattern* ]]; then pass "$what: exit 2"; else fail "$what: exit $rc, '$output'"; fi
}
expect_input_error "no results" "no results.h5 here" "$work/nothing"
expect_input_error "unknown component" "it holds 'lidocaine'" "$work/run" --component caffeine --out "$work/e.html"
[[ ! -e $work/e.html ]] && pass "nothing written on input errors" || fail "input errors left $work/e.html"

((failures == 0)) && echo "all view checks passed" || echo "$failures view checks failed"
exit $((failures > 0))
