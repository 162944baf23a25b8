#!/usr/bin/env bash
# Builds the Python package advstep with its command and test packages (`pip install ".[cli,test]"`:
# scikit-build-core + nanobind over libadvstep) into the virtualenv build/venv, incrementally.
#
# Installs what is missing: python3 with venv and headers, and a C++ compiler (apt-get), then the
# build requirements and the extras' packages (numpy, jsonschema, tqdm, pytest) (pip). Shows the
# compiler's progress ([k/n] lines); the whole build log is kept in build/python-venv/install.log.
# Environment: PYTHON (default python3) picks the interpreter; ADVSTEP_VENV (default build/venv);
# ADVSTEP_CUDA (default AUTO here: the CUDA backend when nvcc is found; a plain `pip install .`
# builds without it unless asked, see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/apt.sh
. scripts/lib/progress.sh

python=${PYTHON:-python3}
venv=${ADVSTEP_VENV:-build/venv}
# A build folder of this script's own: `pip install .` (build isolation, build/python/) and
# scripts/build_wheel.sh keep theirs, so that none of them invalidates another's objects.
build_dir=build/python-venv
log=$build_dir/install.log

need_apt=()
command -v "$python" >/dev/null || need_apt+=(python3)
command -v g++ >/dev/null || need_apt+=(g++)
if command -v "$python" >/dev/null; then
  "$python" -c 'import ensurepip, venv' 2>/dev/null || need_apt+=(python3-venv)
  "$python" -c 'import os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))' \
    2>/dev/null || need_apt+=(python3-dev)
else
  need_apt+=(python3-venv python3-dev)
fi
[ ${#need_apt[@]} -eq 0 ] || apt_install "${need_apt[@]}"

[ -x "$venv/bin/python" ] || { echo "creating the virtualenv $venv"; "$python" -m venv "$venv"; }
vpy="$(cd "$venv" && pwd)/bin/python"
pip=("$vpy" -m pip --disable-pip-version-check)
echo "checking the build requirements in $venv (pip)"
"${pip[@]}" install -q "scikit-build-core>=0.10" "nanobind>=2.4"
# Whatever else the build needs here (CMake or Ninja from PyPI when the system's are missing or old).
mapfile -t build_requires < <("$vpy" -c 'import scikit_build_core.build as b; [print(r) for r in b.get_requires_for_build_wheel()]')
[ ${#build_requires[@]} -eq 0 ] || "${pip[@]}" install -q "${build_requires[@]}"

# No build isolation: the build requirements above stay at one path, so $build_dir keeps an
# incremental build and a re-run recompiles only what changed. The extras' packages come from the
# package's own metadata (pyproject.toml).
mkdir -p "$build_dir"
echo "== pip install \".[cli,test]\" (into $venv, build folder $build_dir; log $log) =="
started=$SECONDS
run_with_progress "$log" "${pip[@]}" install -v --no-build-isolation -C build-dir="$build_dir/{wheel_tag}" \
  -C cmake.define.ADVSTEP_CUDA="${ADVSTEP_CUDA:-AUTO}" ".[cli,test]"
echo "built and installed in $((SECONDS - started)) s"
