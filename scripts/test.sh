#!/usr/bin/env bash
# The whole test suite: the C++ tests (warnings as errors, CUDA backend built when nvcc is found),
# the same tests again under AddressSanitizer + UndefinedBehaviorSanitizer, the threading tests under
# ThreadSanitizer, a minute of fuzzing of the C API, the Python tests (with PyPI's torch), then the
# wheel: built, repaired and tested in a fresh virtualenv without a compiler. Each part prints its
# time; the run ends with a table of the parts' times (also when a part fails, which ends the run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
jobs=$(nproc)

# part NAME COMMAND...: runs one part under its heading and records its time and outcome.
part_names=() part_seconds=() part_results=()
part() {
  local name=$1 started=$SECONDS status=0
  shift
  echo "== $name =="
  "$@" || status=$?
  part_names+=("$name") part_seconds+=($((SECONDS - started)))
  part_results+=("$([ "$status" -eq 0 ] && echo passed || echo "FAILED ($status)")")
  echo "-- $name: ${part_seconds[-1]} s, ${part_results[-1]}"
  return "$status"
}
time_table() {
  local i total=0
  [ ${#part_names[@]} -gt 0 ] || return 0
  echo
  printf '%-56s %7s  %s\n' "part" "time" "result"
  for i in "${!part_names[@]}"; do
    printf '%-56s %6ss  %s\n' "${part_names[$i]}" "${part_seconds[$i]}" "${part_results[$i]}"
    total=$((total + part_seconds[i]))
  done
  printf '%-56s %6ss\n' "total" "$total"
}
trap time_table EXIT

# How many tests ctest skipped (GTEST_SKIP, or a GPU entry exiting 77) and why, from its log.
skipped_summary() {
  local log="build/$1/Testing/Temporary/LastTest.log"
  [ -f "$log" ] || return 0
  awk '/: Skipped$/ { if ((getline reason) <= 0 || reason == "") reason = "(no reason given)"; n[reason]++; total++ }
       /^skipped: / { n[substr($0, 10)]++; total++ }
       END { if (total) { printf "skipped: %d tests\n", total; for (r in n) printf "  %d: %s\n", n[r], r } }' "$log"
}

# PRESET: configure, build, run ctest, say what was skipped. Chained with && because `set -e` does
# not stop a function that runs as part of a condition (part's `"$@" || status=$?`).
cpp_suite() {
  cmake --preset "$1" >/dev/null && cmake --build --preset "$1" -j"$jobs" && ctest --preset "$1" -j"$jobs" &&
    skipped_summary "$1"
}
part "C++ suite (preset ci)" cpp_suite ci
part "C++ suite under ASan + UBSan (preset debug-sanitize)" cpp_suite debug-sanitize
part "threading tests under TSan (preset tsan)" cpp_suite tsan
part "libFuzzer over the C API, 60 s (preset fuzz)" scripts/fuzz.sh 60
part "Python suite, with torch (build/venv)" scripts/test_python.sh
part "wheel: built, repaired, tested without a compiler" scripts/test_wheel.sh
