#!/usr/bin/env bash
# Builds the Python package advstep (`pip install .`: scikit-build-core + nanobind over libadvstep,
# with the `advstep` command) into the virtualenv build/venv, incrementally.
#
# Installs what is missing: python3 with venv and headers, and a C++ compiler (apt-get), then the
# package's dependencies (numpy, jsonschema, tqdm), pytest and the build requirements (pip).
# Environment: PYTHON (default python3) picks the interpreter; ADVSTEP_VENV (default build/venv);
# ADVSTEP_CUDA (default AUTO here: the CUDA backend when nvcc is found; a plain `pip install .`
# builds without it unless asked, see the README).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=${ADVSTEP_VENV:-build/venv}

apt_install() {
  echo "installing Debian packages: $*"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "$@"
}

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

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
vpy="$(cd "$venv" && pwd)/bin/python"
"$vpy" -m pip install -q --disable-pip-version-check "numpy>=1.22" "jsonschema>=4.18" "tqdm>=4.60" "pytest>=7" \
  "scikit-build-core>=0.10" "nanobind>=2.4"
# Whatever else the build needs here (CMake or Ninja from PyPI when the system's are missing or old).
mapfile -t build_requires < <("$vpy" -c 'import scikit_build_core.build as b; [print(r) for r in b.get_requires_for_build_wheel()]')
[ ${#build_requires[@]} -eq 0 ] || "$vpy" -m pip install -q --disable-pip-version-check "${build_requires[@]}"

# No build isolation: the build requirements above stay at one path, so build/python/ keeps an
# incremental build and a re-run recompiles only what changed.
echo "== pip install . (into $venv) =="
"$vpy" -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps \
  -C cmake.define.ADVSTEP_CUDA="${ADVSTEP_CUDA:-AUTO}" .

