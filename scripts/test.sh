#!/usr/bin/env bash
# The whole test suite: the C++ tests (warnings as errors, CUDA backend built when nvcc is found),
# the same tests again under AddressSanitizer + UndefinedBehaviorSanitizer, the threading tests under
# ThreadSanitizer, a minute of fuzzing of the C API, then the Python tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
jobs=$(nproc)

# How many tests ctest skipped (GTEST_SKIP, or a GPU entry exiting 77) and why, from its log.
skipped_summary() {
  local log="build/$1/Testing/Temporary/LastTest.log"
  [ -f "$log" ] || return 0
  awk '/: Skipped$/ { if ((getline reason) <= 0 || reason == "") reason = "(no reason given)"; n[reason]++; total++ }
       /^skipped: / { n[substr($0, 10)]++; total++ }
       END { if (total) { printf "skipped: %d tests\n", total; for (r in n) printf "  %d: %s\n", n[r], r } }' "$log"
}

echo "== C++ suite (preset ci) =="
cmake --preset ci >/dev/null
cmake --build --preset ci -j"$jobs"
ctest --preset ci -j"$jobs"
skipped_summary ci

echo "== C++ suite under AddressSanitizer + UndefinedBehaviorSanitizer (preset debug-sanitize) =="
cmake --preset debug-sanitize >/dev/null
cmake --build --preset debug-sanitize -j"$jobs"
ctest --preset debug-sanitize -j"$jobs"
skipped_summary debug-sanitize

echo "== Threading tests under ThreadSanitizer (preset tsan) =="
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j"$jobs"
ctest --preset tsan -j"$jobs"

echo "== libFuzzer over the C API, 60 s (preset fuzz) =="
scripts/fuzz.sh 60

if [ -x scripts/test_python.sh ]; then
  echo "== Python suite =="
  scripts/test_python.sh
fi
