#!/usr/bin/env bash
# Runs a test binary on the GPU, optionally under compute-sanitizer; exits 77 (skipped) only when the
# probe says there is no GPU (its exit code 77), or when there is no compute-sanitizer for a
# sanitizer run. A probe that fails otherwise (CUDA broken on a GPU machine, or no GPU under
# ADVSTEP_REQUIRE_GPU=1) fails the entry.
#   run_on_gpu.sh PROBE TOOL SANITIZER BINARY [ARGS...]
# TOOL: none, memcheck or racecheck. SANITIZER: compute-sanitizer's path as configured (may be empty:
# then PATH and $CUDA_HOME are searched).
set -euo pipefail
probe=$1 tool=$2 sanitizer=$3 binary=$4
shift 4
probe_status=0
"$probe" || probe_status=$?
if [ "$probe_status" -eq 77 ]; then
  echo "skipped: no GPU"
  exit 77
fi
if [ "$probe_status" -ne 0 ]; then
  echo "failed: the GPU probe exited with $probe_status"
  exit "$probe_status"
fi
export ADVSTEP_DEVICE=cuda
if [ "$tool" = none ]; then
  exec "$binary" "$@"
fi
if [ -z "$sanitizer" ] || [ ! -x "$sanitizer" ]; then
  sanitizer=$(command -v compute-sanitizer || true)
fi
if [ -z "$sanitizer" ] && [ -n "${CUDA_HOME:-}" ] && [ -x "$CUDA_HOME/bin/compute-sanitizer" ]; then
  sanitizer=$CUDA_HOME/bin/compute-sanitizer
fi
if [ -z "$sanitizer" ]; then
  if [ "${ADVSTEP_REQUIRE_GPU:-}" = 1 ]; then
    echo "failed: compute-sanitizer not found, and ADVSTEP_REQUIRE_GPU=1"
    exit 1
  fi
  echo "skipped: compute-sanitizer not found"
  exit 77
fi
exec "$sanitizer" --tool "$tool" --error-exitcode 1 "$binary" "$@"
