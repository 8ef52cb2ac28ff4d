#!/usr/bin/env bash
# Faults a run must survive with a clear message, a non-zero exit and nothing lost:
#   - the output disk fills up mid-run: exit 4 naming the file and "No space left on device"; what
#     was written opens, and `--resume` from the last checkpoint (once there is room) gives ledger,
#     metrics and every snapshot bitwise equal to an uninterrupted run;
#   - a read-only output folder: exit 4 naming the folder, nothing written;
#   - a truncated, a corrupted and a wrong-version checkpoint: `--resume` exits 2 naming
#     checkpoint.h5, and the run's results are left as they were.
# The full and the read-only disk are made twice when the test may mount (root, no chroot refusal):
# once as a small tmpfs, once with tests/app/fault_shim.c (LD_PRELOAD, built here), which makes
# write/pwrite fail with ENOSPC after N bytes and opening for writing fail with EROFS. Where mount
# is refused only the shim runs; it always runs, so the test never skips.
# Usage: test_faults.sh PATH_TO_MESOSIM PATH_TO_SOURCE_TREE
set -u
mesosim=$1
source_dir=$2
work=$(mktemp -d)
mounted=()
cleanup() {
  for m in "${mounted[@]}"; do umount "$m" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"  # pass, fail, check and the failure count
python=/usr/bin/python3
run=(run --end "12 h" --cell "400 um" --threads 1 --quiet)

cc -shared -fPIC -O1 -o "$work/fault_shim.so" "$source_dir/tests/app/fault_shim.c" -ldl ||
  { fail "building fault_shim.so"; exit 1; }
"$mesosim" "${run[@]}" --out "$work/reference" >/dev/null 2>&1 || { fail "reference run"; exit 1; }

# Equal ledger, metrics and snapshots (bitwise) to the reference run.
same_as_reference() {
  cmp -s "$1/ledger.csv" "$work/reference/ledger.csv" && cmp -s "$1/metrics.csv" "$work/reference/metrics.csv" &&
    "$python" - "$1/results.h5" "$work/reference/results.h5" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
ta, tb = a["snapshots/time_s"][()], b["snapshots/time_s"][()]
assert np.array_equal(ta, tb), (ta, tb)
for name in b["snapshots"]:
    if name == "time_s": continue
    for key in b["snapshots"][name]:
        assert np.array_equal(a["snapshots"][name][key][()], b["snapshots"][name][key][()]), (name, key)
PY
}

# A full disk. $1: how it was made; $2: the output directory on it; the rest: a command prefix.
disk_full() {
  local how=$1 out=$2
  shift 2
  local log=$work/full-$how.log rc
  "$@" "$mesosim" "${run[@]}" --checkpoint-every "1 ms" --out "$out" >"$log" 2>&1
  rc=$?
  if [[ $rc -eq 4 ]] && grep -qE "cannot write results: writing $out/.*No space left on device" "$log"; then
    pass "disk-full-message ($how)"
  else
    fail "disk-full-message ($how): exit $rc: $(tail -2 "$log")"
  fi
  # What was written opens, with whole snapshots; then resume with room to spare.
  cp -a "$out" "$work/full-$how"
  if "$python" -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r'); assert len(f['snapshots/time_s']) >= 1" \
       "$work/full-$how/results.h5" 2>>"$log"; then
    pass "disk-full-results-open ($how)"
  else
    fail "disk-full-results-open ($how)"
  fi
  if [[ -f $work/full-$how/checkpoint.h5 ]] && "$mesosim" run --resume "$work/full-$how" --quiet >>"$log" 2>&1 &&
     same_as_reference "$work/full-$how" 2>>"$log"; then
    pass "disk-full-resume-bitwise ($how)"
  else
    fail "disk-full-resume-bitwise ($how): $(tail -3 "$log")"
  fi
}

# A read-only output folder: $1 how, $2 the folder, the rest a command prefix.
read_only() {
  local how=$1 folder=$2
  shift 2
  check "read-only-message ($how)" 4 "cannot write results: .*$folder/run.*Read-only file system" -- \
    "$@" "$mesosim" "${run[@]}" --out "$folder/run"
  if [[ -z $(ls -A "$folder") ]]; then pass "read-only-nothing-written ($how)"; else fail "read-only-nothing-written ($how)"; fi
}

# 1. With tmpfs, where mount is allowed.
mkdir -p "$work/tmpfs-full" "$work/tmpfs-ro"
if mount -t tmpfs -o size=2000k tmpfs "$work/tmpfs-full" 2>/dev/null; then
  mounted+=("$work/tmpfs-full")
  disk_full tmpfs "$work/tmpfs-full/run"
  if mount -t tmpfs -o ro,size=64k tmpfs "$work/tmpfs-ro" 2>/dev/null; then
    mounted+=("$work/tmpfs-ro")
    read_only tmpfs "$work/tmpfs-ro"
  else
    fail "a read-only tmpfs could not be mounted where a writable one could"
  fi
else
  echo "note: mount refused here; the full and read-only disks are made by the LD_PRELOAD shim only"
fi

# 2. With the shim, always.
disk_full shim "$work/shim-full/run" env MESOSIM_FAULT_DIR="$work/shim-full" MESOSIM_FAULT_ENOSPC_AFTER=2000000 \
  LD_PRELOAD="$work/fault_shim.so"
mkdir -p "$work/shim-ro"
read_only shim "$work/shim-ro" env MESOSIM_FAULT_DIR="$work/shim-ro" MESOSIM_FAULT_READ_ONLY=1 LD_PRELOAD="$work/fault_shim.so"

# 3. Damaged checkpoints: truncated, corrupted (bytes in the middle overwritten), wrong version.
damage() {
  local name=$1 pattern=$2
  shift 2
  local dir=$work/ck-$name
  rm -rf "$dir"
  cp -a "$work/base" "$dir"
  "$@" "$dir/checkpoint.h5"
  local before
  before=$(cd "$dir" && sha256sum results.h5 ledger.csv metrics.csv)
  check "checkpoint-$name" 2 "$pattern" -- "$mesosim" run --resume "$dir" --quiet
  if [[ $(cd "$dir" && sha256sum results.h5 ledger.csv metrics.csv) == "$before" ]]; then
    pass "checkpoint-$name-results-untouched"
  else
    fail "checkpoint-$name-results-untouched"
  fi
}
# The base: a run stopped by SIGTERM after its first checkpoints (exit 143, a checkpoint kept).
"$mesosim" run --end "7 d" --cell "400 um" --threads 1 --checkpoint-every "1 ms" --out "$work/base" >"$work/base.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -f $work/base/checkpoint.h5 ]] && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
rc=$?
if [[ $rc -eq 143 && -f $work/base/checkpoint.h5 ]] && grep -q "stopped by SIGTERM" "$work/base.log"; then
  pass "sigterm-leaves-checkpoint"
else
  fail "sigterm-leaves-checkpoint: exit $rc: $(tail -2 "$work/base.log")"
fi
truncate_half() { truncate -s $(($(stat -c %s "$1") / 2)) "$1"; }
corrupt_middle() { printf 'MesoSim fuzz damage %.0s' $(seq 64) | dd of="$1" bs=1 seek=$(($(stat -c %s "$1") / 3)) conv=notrunc status=none; }
wrong_version() {
  "$python" -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); f.attrs.modify('format', b'MesoSim checkpoint 9')" "$1"
}
damage truncated "checkpoint.h5" truncate_half
damage corrupted "checkpoint.h5" corrupt_middle
damage wrong-version "checkpoint.h5 is a MesoSim checkpoint of format 'MesoSim checkpoint 9', which this build does not read.*resume it with the MesoSim version that wrote it" wrong_version
# The undamaged base still resumes (the damage, not the base, made the errors above).
check checkpoint-undamaged-resumes 0 'results:' -- "$mesosim" run --resume "$work/base"

echo "$failures failure(s)"
exit $((failures > 0))
