#!/usr/bin/env bash
# Runs a test binary on the GPU, optionally under compute-sanitizer; exits 77 (skipped) when there is
# no GPU, or no compute-sanitizer for a sanitizer run.
#   run_on_gpu.sh PROBE TOOL SANITIZER BINARY [ARGS...]
# TOOL: none, memcheck or racecheck. SANITIZER: compute-sanitizer's path as configured (may be empty:
# then PATH and $CUDA_HOME are searched).
set -euo pipefail
probe=$1 tool=$2 sanitizer=$3 binary=$4
shift 4
if ! "$probe"; then
  echo "skipped: no GPU"
  exit 77
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
  echo "skipped: compute-sanitizer not found"
  exit 77
fi
exec "$sanitizer" --tool "$tool" --error-exitcode 1 "$binary" "$@"
