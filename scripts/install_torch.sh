#!/usr/bin/env bash
# Makes PyPI's torch importable in a virtualenv, for the torch tests:
#   scripts/install_torch.sh VENV
#
# torch (ADVSTEP_TORCH_VERSION, default 2.15.0: about 5.3 GB with its CUDA libraries) is installed
# once per machine, interpreter and version, with `pip install --target`, into
# ~/.cache/advstep/torch-<version>-<interpreter> (ADVSTEP_CACHE moves ~/.cache/advstep), and a
# .pth file in VENV's site-packages puts that folder on sys.path. A second run, or another clone's
# virtualenv, downloads and unpacks nothing. The folder comes after VENV's own packages on sys.path,
# so the packages of VENV keep their versions.
set -euo pipefail
venv=${1:?usage: scripts/install_torch.sh VENV}
version=${ADVSTEP_TORCH_VERSION:-2.15.0}
vpy="$(cd "$venv" && pwd)/bin/python"
tag=$("$vpy" -c 'import sys; print(sys.implementation.cache_tag)')
cache=${ADVSTEP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/advstep}
target=$cache/torch-$version-$tag

if [ ! -f "$target/torch/__init__.py" ]; then
  echo "installing torch==$version from PyPI into $target (once per machine; about 5 GB)"
  mkdir -p "$cache"
  partial=$target.partial.$$
  trap 'rm -rf "$partial"' EXIT
  started=$SECONDS
  "$vpy" -m pip install -q --disable-pip-version-check --only-binary :all: --target "$partial" "torch==$version"
  # Another run may have finished first: keep the folder already in place, drop this one.
  mv -T "$partial" "$target" 2>/dev/null || rm -rf "$partial"
  echo "torch==$version installed in $((SECONDS - started)) s ($(du -sh "$target" | cut -f1))"
fi
site=$("$vpy" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$target" >"$site/advstep-test-torch.pth"
"$vpy" -c 'import os, torch; print("torch", torch.__version__, "from", os.path.dirname(os.path.dirname(torch.__file__)))'
