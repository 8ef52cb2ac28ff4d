#!/usr/bin/env bash
# Fuzzes the scenario and sweep parsers with libFuzzer (clang, AddressSanitizer, UBSan), seeded with the
# example scenarios. Not part of scripts/test (it needs clang); run by hand:
#   tests/fuzz/run.sh [SECONDS=120]
# Needs: clang, libclang-rt-14-dev (installed here if missing), and a configured build/ (for the
# generated preset header).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-120}
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    { sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo; $sudo apt-get install -y -qq "$p" >/dev/null; }
done
"$root/scripts/setup" >/dev/null
out=$root/build-fuzz
mkdir -p "$out/corpus"
cp "$root"/scenarios/examples/*.toml "$root"/scenarios/sweeps/*.toml "$out/corpus/"
sources=("$root"/scenarios/{units,scenario,presets,sweep}.cpp "$root"/models/{tissue,component,pattern,deposit_extent}.cpp "$root"/solver/*.cpp)
# toml++ 3.3.0 has internal assert()s that fire on some invalid keys (found by this fuzzer: a
# backtick in a table header, "[[`a]]"); in the release build (GCC, NDEBUG) they are no-ops and the
# parser reports the error cleanly (tests/unit/test_scenario.cpp pins it), so do the same here.
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fopenmp \
  '-DTOML_ASSERT(expr)=((void)0)' \
  -DMESOSIM_SWEEPS_DIR="\"$root/scenarios/sweeps\"" \
  -I"$root" -I"$root/build/scenarios/generated" -I/usr/include/eigen3 "$root/tests/fuzz/fuzz_scenario.cpp" "${sources[@]}" \
  -o "$out/fuzz_scenario"
cd "$out"
./fuzz_scenario -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=4096 corpus
