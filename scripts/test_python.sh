#!/usr/bin/env bash
# The Python suite: builds the package advstep into the virtualenv build/venv
# (scripts/install_python.sh) and runs its pytest suite (python/tests) against the installed package.
#
# torch and CuPy are not installed here (too large); their tests run when they are already
# importable in the virtualenv, and are skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_python.sh
vpy="$(cd "${ADVSTEP_VENV:-build/venv}" && pwd)/bin/python"

echo "== pytest python/tests =="
cd python/tests  # run against the installed package, not the source tree
status=0
"$vpy" -m pytest -q -rs -p no:cacheprovider . || status=$?
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
fi
exit "$status"
