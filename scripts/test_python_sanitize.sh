#!/usr/bin/env bash
# The Python extension under AddressSanitizer and UndefinedBehaviorSanitizer.
#
# Builds libadvstep and advstep._core with ADVSTEP_SANITIZE (GCC, Debug) into build/python-sanitize,
# against the virtualenv of scripts/install_python.sh, lays the package out there, and runs pytest on
# it with the sanitizer runtime preloaded: the interpreter is not instrumented, so libasan must come
# first, and libstdc++ with it (ASan's __cxa_throw interceptor needs the real one already loaded).
# PYTHONMALLOC=malloc routes Python's own allocations (DLPack producers' tensors included) through
# malloc, where ASan sees a use after free. Leak checking is off: the interpreter keeps memory at exit.
#
# Arguments go to pytest (default: the array-import and error tests). Environment: ADVSTEP_VENV
# (default build/venv), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${ADVSTEP_VENV:-build/venv}
[ -x "$venv/bin/python" ] || scripts/install_python.sh
vpy="$(cd "$venv" && pwd)/bin/python"
build=build/python-sanitize

cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Debug \
  -DADVSTEP_SANITIZE=ON -DADVSTEP_PYTHON=ON -DADVSTEP_CUDA=OFF -DADVSTEP_WERROR=ON \
  -DADVSTEP_BUILD_TESTS=OFF -DADVSTEP_BUILD_EXAMPLES=OFF -DADVSTEP_BUILD_BENCH=OFF \
  -DPython_EXECUTABLE="$vpy" >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target _core

package="$root/$build/package"
rm -rf "$package"
mkdir -p "$package/advstep"
cp -r python/advstep/. "$package/advstep/"
cp "$build"/python/_core*.so "$package/advstep/"

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test_hostile_buffers.py test_hostile_dlpack.py test_python_arguments.py
                                 test_fuzz_arrays.py test_errors.py test_devices.py test_messages.py test_values.py)
echo "== pytest under ASan/UBSan: ${tests[*]} =="
cd python/tests
export PYTHONPATH="$package" PYTHONMALLOC=malloc ASAN_OPTIONS=detect_leaks=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libstdc++.so)"
# The sanitized package, not the one installed in the virtualenv, is the one under test.
"$vpy" -c 'import advstep, sys; sys.exit(not advstep._core.__file__.startswith(sys.argv[1]))' "$package"
"$vpy" -m pytest -q -p no:cacheprovider "${tests[@]}"
