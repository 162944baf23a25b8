#!/usr/bin/env bash
# Soak (not CI): 8 threads, each with its own stream, make CALLS (default 10^6) mixed valid, faulty
# and invalid two-phase calls at once, every result checked against the independent oracle.
#   scripts/soak.sh [CALLS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)" --target advstep_soak
ADVSTEP_DEVICE=cpu build/default/tests/advstep_soak "${1:-1000000}" "${2:-8}"
