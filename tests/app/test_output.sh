#!/usr/bin/env bash
# Results survive, end to end, with real runs of the built-in case:
#   - ParaView's own reader (pvpython) opens results.xmf, steps to a time and probes a point: the
#     value equals the one h5py reads from results.h5;
#   - SIGKILL mid-run leaves a results.h5 that opens and holds every snapshot the sidecar lists;
#     `--resume` then finishes it from the last checkpoint;
#   - SIGINT stops with exit 130 after writing a checkpoint and saying how to resume; `--resume`
#     finishes it; both resumed runs equal an uninterrupted run bitwise (same thread count), and so
#     does a resumed run on the default (geometric) snapshot schedule;
#   - a damaged checkpoint, a missing one, an unwritable output place: clear errors, no crash;
#   - the Python example in viz/ plots a results file.
# Usage: test_output.sh PATH_TO_MESOSIM PATH_TO_SOURCE_TREE PVPYTHON
set -u
mesosim=$1
source_tree=$2
pvpython=$3
python=/usr/bin/python3  # Debian's, which sees python3-h5py
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; umount "$work/tiny" 2>/dev/null; rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"  # pass, fail, check and the failure count
run_args=(--cell "200 um" --end "5 d" --threads 2 --snapshot-interval "2 h" --quiet)

# Waits until DIR/results.xmf lists at least N snapshots (or 60 s pass).
wait_for_snapshots() {
  local dir=$1 n=$2
  for _ in $(seq 600); do
    [[ -f $dir/results.xmf ]] && (($(grep -c '<Time ' "$dir/results.xmf") >= n)) && return 0
    sleep 0.1
  done
  return 1
}

# 1. The uninterrupted reference.
"$mesosim" run "${run_args[@]}" --out "$work/reference" >"$work/reference.log" 2>&1 || fail "reference run: $(cat "$work/reference.log")"

# 2. ParaView reads what h5py reads (snapshot 3, a cell centre near the injection).
probe=$("$pvpython" "$source_tree/tests/app/paraview_probe.py" "$work/reference/results.xmf" lidocaine 3 0.0103 0.0099 0.0011 2>&1 | tail -1)
expected=$("$python" -c "
import h5py
f = h5py.File('$work/reference/results.h5', 'r')
t = f['snapshots/time_s'][3]
c = f['snapshots/000003/lidocaine'][5, 49, 51]   # z, y, x of the cell holding (10.3, 9.9, 1.1) mm
print('%.17g %.17g %d' % (t, c, len(f['snapshots/time_s'])))" 2>&1)
if [[ -n $probe && $probe == "$expected" ]]; then pass "paraview-probe ($probe)"; else fail "paraview-probe: pvpython '$probe' vs h5py '$expected'"; fi

# Compares two results files: every snapshot and series dataset bitwise.
same_results() {
  "$python" - "$1" "$2" <<'EOF'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = []
def collect(name, obj):
    if isinstance(obj, h5py.Dataset) and name.split("/")[0] in ("snapshots", "series"):
        names.append(name)
a.visititems(collect)
bad = [n for n in names if n not in b or not np.array_equal(a[n][()], b[n][()])]
extra = [n for n in list(b["snapshots"]) if "snapshots/" + n not in a and n != "time_s"]
print("compared %d datasets, %d differ %s, %d extra" % (len(names), len(bad), bad[:3], len(extra)))
sys.exit(1 if bad or extra or len(names) < 10 else 0)
EOF
}

# 3. SIGKILL: the file opens and holds every snapshot the sidecar listed; then resume.
"$mesosim" run "${run_args[@]}" --checkpoint-every "200 ms" --out "$work/killed" >"$work/killed.log" 2>&1 &
pid=$!
if wait_for_snapshots "$work/killed" 4 && sleep 0.5 && kill -9 $pid 2>/dev/null; then
  wait $pid 2>/dev/null
  cp -r "$work/killed" "$work/killed-copy"
  listed=$(grep -c '<Time ' "$work/killed/results.xmf")
  readable=$("$python" -c "
import h5py
f = h5py.File('$work/killed/results.h5', 'r')
n = len(f['snapshots/time_s'])
for i in range(n): f['snapshots/%06d/lidocaine' % i][()].sum()
print(n)" 2>&1)
  if [[ $readable =~ ^[0-9]+$ ]] && ((readable >= listed && listed >= 4)); then
    pass "sigkill-leaves-readable-file ($readable snapshots readable, sidecar listed $listed)"
  else
    fail "sigkill-leaves-readable-file: sidecar listed $listed, h5py: $readable"
  fi
  if [[ -f $work/killed/checkpoint.h5 ]]; then
    if "$mesosim" run --resume "$work/killed" --quiet >"$work/killed-resume.log" 2>&1 &&
      out=$(same_results "$work/reference/results.h5" "$work/killed/results.h5"); then
      pass "sigkill-resume-bitwise ($out)"
    else
      fail "sigkill-resume-bitwise: $(tail -3 "$work/killed-resume.log") ${out:-}"
    fi
  else
    fail "sigkill: no checkpoint.h5 after 200 ms checkpoints"
  fi
else
  fail "sigkill: the run finished (or never wrote 4 snapshots) before it could be killed: $(tail -3 "$work/killed.log")"
fi

# 4. SIGINT: a checkpoint, exit 130, a message saying how to resume; resume equals the reference.
"$mesosim" run "${run_args[@]}" --out "$work/stopped" >"$work/stopped.log" 2>&1 &
pid=$!
if wait_for_snapshots "$work/stopped" 3; then
  kill -INT $pid
  wait $pid
  rc=$?
  if [[ $rc -eq 130 ]] && grep -q "mesosim run --resume $work/stopped" "$work/stopped.log" && [[ -f $work/stopped/checkpoint.h5 ]]; then
    pass "sigint-stops-with-checkpoint"
  else
    fail "sigint-stops-with-checkpoint: exit $rc, log: $(cat "$work/stopped.log")"
  fi
  if "$mesosim" run --resume "$work/stopped" >"$work/stopped-resume.log" 2>&1 &&
    grep -q "resuming at" "$work/stopped-resume.log" && [[ ! -f $work/stopped/checkpoint.h5 ]] &&
    out=$(same_results "$work/reference/results.h5" "$work/stopped/results.h5"); then
    pass "sigint-resume-bitwise ($out)"
  else
    fail "sigint-resume-bitwise: $(tail -5 "$work/stopped-resume.log") ${out:-}"
  fi
  if cmp -s "$work/reference/ledger.csv" "$work/stopped/ledger.csv" && cmp -s "$work/reference/metrics.csv" "$work/stopped/metrics.csv"; then
    pass "sigint-resume-csv-identical"
  else
    fail "sigint-resume-csv-identical"
  fi
else
  fail "sigint: no snapshots appeared: $(cat "$work/stopped.log")"
fi

# 4b. The same with the darcy reservoir: the stop waits for the injected fluid to come to rest,
# and the resumed run equals the uninterrupted one bitwise, bleb series included.
example=$source_tree/scenarios/examples/single_injection.toml
darcy_args=(--set 'domain.cell=400 um' --set injections.0.reservoir=darcy --end "3 d" --threads 2 --snapshot-interval "2 h" --quiet)
"$mesosim" run "$example" "${darcy_args[@]}" --out "$work/darcy-reference" >"$work/darcy-reference.log" 2>&1 || fail "darcy reference run: $(cat "$work/darcy-reference.log")"
"$mesosim" run "$example" "${darcy_args[@]}" --out "$work/darcy-stopped" >"$work/darcy-stopped.log" 2>&1 &
pid=$!
if wait_for_snapshots "$work/darcy-stopped" 5; then
  kill -INT $pid
  wait $pid
  rc=$?
  if [[ $rc -eq 130 ]] && "$mesosim" run --resume "$work/darcy-stopped" >"$work/darcy-resume.log" 2>&1 &&
    out=$(same_results "$work/darcy-reference/results.h5" "$work/darcy-stopped/results.h5") &&
    "$python" -c "
import h5py, numpy as np, sys
a, b = h5py.File('$work/darcy-reference/results.h5', 'r'), h5py.File('$work/darcy-stopped/results.h5', 'r')
sys.exit(0 if all(np.array_equal(a['bleb'][n][()], b['bleb'][n][()]) for n in a['bleb']) else 1)"; then
    pass "darcy-sigint-resume-bitwise ($out, /bleb equal)"
  else
    fail "darcy-sigint-resume-bitwise: exit $rc; $(tail -3 "$work/darcy-stopped.log") $(tail -3 "$work/darcy-resume.log" 2>/dev/null) ${out:-}"
  fi
else
  fail "darcy sigint: no snapshots appeared: $(cat "$work/darcy-stopped.log")"
fi

# 4c. The default geometric snapshot schedule (0, 5, 15, 30 min, 1, 2, 4, 8, 12 h, daily): stopped
# after day 1 and resumed, the same 14 snapshots and rows as an uninterrupted run, bitwise.
geometric_args=(--cell "200 um" --end "5 d" --threads 2 --quiet)
"$mesosim" run "${geometric_args[@]}" --out "$work/geometric" >/dev/null 2>&1
"$mesosim" run "${geometric_args[@]}" --out "$work/geometric-stopped" >"$work/geometric-stopped.log" 2>&1 &
pid=$!
if wait_for_snapshots "$work/geometric-stopped" 10; then
  kill -INT $pid
  wait $pid
  rc=$?
  n=$("$python" -c "import h5py; print(len(h5py.File('$work/geometric/results.h5', 'r')['snapshots/time_s']))" 2>&1)
  if [[ $rc -eq 130 ]] && "$mesosim" run --resume "$work/geometric-stopped" --quiet >"$work/geometric-resume.log" 2>&1 &&
    out=$(same_results "$work/geometric/results.h5" "$work/geometric-stopped/results.h5") && [[ $n == 14 ]]; then
    pass "geometric-schedule-resume-bitwise ($n snapshots; $out)"
  else
    fail "geometric-schedule-resume-bitwise: exit $rc, $n snapshots; $(tail -3 "$work/geometric-resume.log" 2>/dev/null) ${out:-}"
  fi
else
  fail "geometric schedule: no snapshots appeared: $(cat "$work/geometric-stopped.log")"
fi

# 5. Clear errors, never a crash.
check resume-finished-run 2 'nothing to resume' -- "$mesosim" run --resume "$work/reference"
check refuse-unfinished-dir 2 'unfinished run: continue it with `mesosim run --resume' -- "$mesosim" run --out "$work/killed-copy" --end "1 h" --cell "1 mm" --quiet
mkdir -p "$work/damaged" && cp "$work/reference/results.h5" "$work/damaged/" && head -c 3000 "$work/reference/results.h5" >"$work/damaged/checkpoint.h5"
check damaged-checkpoint 2 'checkpoint.h5.*(damaged|not a MesoSim)' -- "$mesosim" run --resume "$work/damaged"
touch "$work/plain-file"
check unwritable-output 4 'cannot (create|write).*plain-file' -- "$mesosim" run --end "1 h" --cell "1 mm" --out "$work/plain-file/sub" --quiet

# Disk full (a 2 MB tmpfs, where this machine lets root mount one): exit 4 naming the file and the
# reason, and the snapshots written before stay readable.
mkdir -p "$work/tiny"
if mount -t tmpfs -o size=2m tmpfs "$work/tiny" 2>/dev/null; then
  check disk-full 4 'results.h5.*No space left on device' -- "$mesosim" run --end "1 d" --snapshot-interval "1 h" --out "$work/tiny/run" --quiet
  check disk-full-earlier-snapshots-readable 0 '^[1-9]' -- "$python" -c "
import h5py
f = h5py.File('$work/tiny/run/results.h5', 'r')
print(len(f['snapshots/time_s']), f['snapshots/000000/lidocaine'][()].max())"
  umount "$work/tiny"
else
  echo "skip disk-full: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)"
fi

# 6. The Python example plots a ledger and a depth profile from a results file.
if "$python" "$source_tree/viz/examples/plot_results.py" "$work/reference" --out "$work/plots" >"$work/plot.log" 2>&1 &&
  [[ -s $work/plots/ledger.png && -s $work/plots/depth_profile.png ]]; then
  pass "python-example ($(cat "$work/plot.log" | tr '\n' ' '))"
else
  fail "python-example: $(cat "$work/plot.log")"
fi

echo "$failures failure(s)"
exit $((failures > 0))
