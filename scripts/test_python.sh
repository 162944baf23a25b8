#!/usr/bin/env bash
# The Python suite: builds the package advstep into the virtualenv build/venv
# (scripts/install_python.sh), makes PyPI's torch importable there (scripts/install_torch.sh: once
# per machine, cached under ~/.cache/advstep) and runs the pytest suite (python/tests) against the
# installed package, with ADVSTEP_REQUIRE_TORCH=1 so that a missing torch fails the torch tests
# instead of skipping them. CuPy is not installed: its tests run when it is already importable.
# Environment: ADVSTEP_TEST_TORCH=0 leaves torch out (its tests then skip).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_python.sh
venv=${ADVSTEP_VENV:-build/venv}
vpy="$(cd "$venv" && pwd)/bin/python"
if [ "${ADVSTEP_TEST_TORCH:-1}" != 0 ]; then
  scripts/install_torch.sh "$venv"
  export ADVSTEP_REQUIRE_TORCH=1
fi

echo "== pytest python/tests =="
cd python/tests  # run against the installed package, not the source tree
status=0
"$vpy" -m pytest -q -rs -p no:cacheprovider . || status=$?
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
fi
exit "$status"
