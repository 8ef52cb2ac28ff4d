# Shared by the end-to-end test scripts in tests/app (sourced, not run): a failure counter and
#   pass NAME...            prints "ok   NAME"
#   fail NAME...            prints "FAIL NAME" and counts it
#   check NAME EXPECTED_RC PATTERN -- command...
#                           runs the command; passes when it exits with EXPECTED_RC and its output
#                           (stdout + stderr) matches the extended regex PATTERN, else fails and
#                           shows the output indented.
failures=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
check() {
  local name=$1 expected=$2 pattern=$3
  shift 4
  local output rc
  output=$("$@" 2>&1)
  rc=$?
  if [[ $rc -ne $expected ]] || ! grep -qE -- "$pattern" <<<"$output"; then
    fail "$name: exit $rc (expected $expected), output:"
    echo "$output" | sed 's/^/    /'
  else
    pass "$name"
  fi
}
