#!/usr/bin/env bash
# The main job: builds the library and runs the CANN-style examples (V1, V2) and the native example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)" --target aclnn_advance_step aclnn_advance_step_v2 native_advance_step
for example in aclnn_advance_step aclnn_advance_step_v2 native_advance_step; do
  echo "== $example =="
  build/default/examples/$example
done
