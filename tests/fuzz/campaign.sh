#!/usr/bin/env bash
# A long fuzz campaign of one target from its kept corpus, with the figures docs/verification.md
# quotes (runs, coverage, corpus, findings, wall time, load average):
#   tests/fuzz/campaign.sh TARGET SECONDS      # TARGET: scenario, sweep, checkpoint or results
# Builds build-fuzz if needed (clang). New inputs go to build-fuzz/campaign_TARGET/corpus; any crash,
# leak or timeout input to build-fuzz/campaign_TARGET/ (crash-*, leak-*, timeout-*), and the log
# to build-fuzz/campaign_TARGET/log. FUZZ_TIMEOUT (seconds, default 10) is libFuzzer's per-input limit;
# raise it on a loaded machine, where a starved input is not a hang. Minimise new inputs into the kept corpus afterwards with
#   build-fuzz/fuzz_TARGET -merge=1 tests/fuzz/corpus/TARGET build-fuzz/campaign_TARGET/corpus
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
target=${1:?usage: campaign.sh TARGET SECONDS}
seconds=${2:?usage: campaign.sh TARGET SECONDS}
[[ -d $root/tests/fuzz/corpus/$target ]] || { echo "campaign.sh: no corpus tests/fuzz/corpus/$target" >&2; exit 2; }
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
if [[ ! -f $build/CMakeCache.txt ]]; then
  CC=clang CXX=clang++ cmake -S "$root/tests/fuzz" -B "$build" >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target "fuzz_$target" >/dev/null
out=$build/campaign_$target
mkdir -p "$out/corpus"
max_len=16384
[[ $target == checkpoint || $target == results ]] && max_len=262144
export OMP_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$root/tests/fuzz/lsan.supp
echo "campaign $target: $seconds s (per-input timeout ${FUZZ_TIMEOUT:-10} s) from $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/log"
start=$(date +%s)
status=0
"$build/fuzz_$target" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -max_len="$max_len" \
  -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" "$root/tests/fuzz/corpus/$target" >>"$out/log" 2>&1 ||
  status=$?
wall=$(($(date +%s) - start))
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/log" | grep -o '[0-9]*$' || echo "?")
cov=$(grep -o 'cov: [0-9]*' "$out/log" | tail -1 | grep -o '[0-9]*' || echo "?")
ft=$(grep -o 'ft: [0-9]*' "$out/log" | tail -1 | grep -o '[0-9]*' || echo "?")
findings=$(find "$out" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
echo "campaign $target: wall ${wall} s, runs $runs, cov $cov edges, ft $ft features," \
     "new inputs $(find "$out/corpus" -type f | wc -l), findings $findings, exit $status," \
     "load at end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/log"
exit "$status"
