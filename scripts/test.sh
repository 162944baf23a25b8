#!/usr/bin/env bash
# The whole test suite: the C++ tests (warnings as errors, CUDA backend built when nvcc is found),
# the same tests again under AddressSanitizer + UndefinedBehaviorSanitizer, then the Python tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
jobs=$(nproc)

echo "== C++ suite (preset ci) =="
cmake --preset ci >/dev/null
cmake --build --preset ci -j"$jobs"
ctest --preset ci -j"$jobs"

echo "== C++ suite under AddressSanitizer + UndefinedBehaviorSanitizer (preset debug-sanitize) =="
cmake --preset debug-sanitize >/dev/null
cmake --build --preset debug-sanitize -j"$jobs"
ctest --preset debug-sanitize -j"$jobs"

if [ -x scripts/test_python.sh ]; then
  echo "== Python suite =="
  scripts/test_python.sh
fi
