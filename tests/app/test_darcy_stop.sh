#!/usr/bin/env bash
# SIGTERM while the Darcy bleb's fluid still moves (the coupled phase), end to end: the run stops
# after the current coupled step with exit 143 and a checkpoint that holds the fluid
# (darcy.at_rest = 0); `--resume` finishes it, and results.h5 (every dataset, the /bleb series
# included), ledger.csv, metrics.csv and summary.json (but for wall times) equal an uninterrupted
# run's bitwise (same thread count).
# Usage: test_darcy_stop.sh PATH_TO_MESOSIM PATH_TO_SOURCE_TREE
set -u
mesosim=$1
source_tree=$2
python=/usr/bin/python3  # Debian's, which sees python3-h5py
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"  # pass, fail, check and the failure count
# 0.05 mL at 0.01 mL/s: the fluid moves for hours, so the whole hour is the coupled phase.
example=$source_tree/scenarios/examples/single_injection.toml
args=(--set 'domain.cell=400 um' --set injections.0.reservoir=darcy --end "1 h" --output-interval "5 min"
  --snapshot-interval "5 min" --threads 2 --quiet)

"$mesosim" run "$example" "${args[@]}" --out "$work/reference" >"$work/reference.log" 2>&1 ||
  fail "darcy reference run: $(cat "$work/reference.log")"
"$mesosim" run "$example" "${args[@]}" --out "$work/stopped" >"$work/stopped.log" 2>&1 &
pid=$!
# Two snapshots (0 and 5 min) written: the run is in the coupled phase.
for _ in $(seq 1200); do
  [[ -f $work/stopped/results.xmf ]] && (($(grep -c '<Time ' "$work/stopped/results.xmf") >= 2)) && break
  sleep 0.1
done
kill -TERM $pid
wait $pid
rc=$?
at_rest=$("$python" -c "
import h5py
print(int(h5py.File('$work/stopped/checkpoint.h5', 'r')['memory'].attrs['darcy.at_rest'][0]))" 2>&1)
if [[ $rc -eq 143 && $at_rest == 0 ]] && grep -q "mesosim run --resume $work/stopped" "$work/stopped.log"; then
  pass "darcy-sigterm-coupled-checkpoint"
else
  fail "darcy-sigterm-coupled-checkpoint: exit $rc, darcy.at_rest '$at_rest'; $(tail -3 "$work/stopped.log")"
fi
"$mesosim" run --resume "$work/stopped" >"$work/resume.log" 2>&1 || fail "darcy resume: $(tail -3 "$work/resume.log")"
if out=$("$python" - "$work/reference" "$work/stopped" <<'EOF'
import json, sys, h5py, numpy as np
a, b = (h5py.File(d + "/results.h5", "r") for d in sys.argv[1:3])
names = []
a.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
bad = [n for n in names if n not in b or not np.array_equal(a[n][()], b[n][()])]
for f in ("ledger.csv", "metrics.csv"):
    if open(sys.argv[1] + "/" + f).read() != open(sys.argv[2] + "/" + f).read():
        bad.append(f)
def strip(tree):
    if isinstance(tree, dict):
        return {k: strip(v) for k, v in tree.items() if "wall" not in k and k != "build"}
    return [strip(v) for v in tree] if isinstance(tree, list) else tree
if strip(json.load(open(sys.argv[1] + "/summary.json"))) != strip(json.load(open(sys.argv[2] + "/summary.json"))):
    bad.append("summary.json")
print("compared %d datasets of results.h5 (%d rows of /bleb), the CSV tables and summary.json: %d differ %s"
      % (len(names), len(a["bleb/time_s"]), len(bad), bad[:3]))
sys.exit(1 if bad or "bleb/time_s" not in names or len(a["snapshots/time_s"]) < 13 else 0)
EOF
); then
  pass "darcy-sigterm-resume-bitwise ($out)"
else
  fail "darcy-sigterm-resume-bitwise: ${out:-}"
fi
exit $((failures > 0))
