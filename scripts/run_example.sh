#!/usr/bin/env bash
# The main job: builds the Python package (with the `advstep` command) into build/venv and runs
# `advstep run` on its built-in batch (a verified summary) and the Python example; then builds the
# library and runs the CANN-style examples (V1, V2), the native example and the prepare step's
# decode loop.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
scripts/install_python.sh
echo "== advstep run (built-in batch: a vLLM-like decode step and a speculative step) =="
"${ADVSTEP_VENV:-build/venv}/bin/advstep" run
echo "== examples/python_advance_step.py =="
"${ADVSTEP_VENV:-build/venv}/bin/python" examples/python_advance_step.py

cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)" --target aclnn_advance_step aclnn_advance_step_v2 native_advance_step \
  prepare_step_decode_loop
for example in aclnn_advance_step aclnn_advance_step_v2 native_advance_step prepare_step_decode_loop; do
  echo "== $example =="
  build/default/examples/$example
done
