#!/usr/bin/env bash
# The wheel as a user gets it: builds and repairs it (scripts/build_wheel.sh), installs it with its
# test extra into a fresh virtualenv (build/wheel-test-venv) from binaries only, with no compiler on
# PATH, makes PyPI's torch importable there (scripts/install_torch.sh) and runs the Python suite
# (python/tests) against it, torch tests required (ADVSTEP_REQUIRE_TORCH=1).
# Environment: ADVSTEP_WHEEL=path uses that wheel instead of building one; ADVSTEP_TEST_TORCH=0
# leaves torch out (its tests then skip).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
venv=build/wheel-test-venv
no_compiler=build/no-compiler-bin

started=$SECONDS
wheel=${ADVSTEP_WHEEL:-}
if [ -z "$wheel" ]; then
  mkdir -p build
  scripts/build_wheel.sh | tee build/build_wheel.out  # its last line names the wheel
  wheel=$repo/$(tail -n 1 build/build_wheel.out)
fi
built=$((SECONDS - started))
[ -f "$wheel" ] || { echo "error: no wheel at '$wheel'" >&2; exit 1; }

# PATH without compilers: every command of /usr/local/bin, /usr/bin and /bin but the C and C++
# compilers, their drivers, assemblers and linkers.
rm -rf "$no_compiler"
mkdir -p "$no_compiler"
for dir in /usr/local/bin /usr/bin /bin; do
  for tool in "$dir"/*; do
    name=${tool##*/}
    case $name in
      cc | c++ | c89* | c99* | gcc* | g++* | cpp* | clang* | *-gcc* | *-g++* | *-cpp* | *-cc | *-c++ | \
        ld | ld.* | *-ld | *-ld.* | as | *-as | nvcc | icc | icpx | tcc | cl) continue ;;
    esac
    [ -e "$no_compiler/$name" ] || ln -s "$tool" "$no_compiler/$name"
  done
done
bare_path=$repo/$venv/bin:$repo/$no_compiler
for compiler in cc c++ gcc g++ clang clang++ ld as; do
  if PATH=$bare_path command -v "$compiler" >/dev/null; then
    echo "error: $compiler is still on the test PATH" >&2
    exit 1
  fi
done

tested=$SECONDS
echo "== fresh virtualenv $venv: the wheel and its test extra, binaries only, no compiler on PATH =="
rm -rf "$venv"
python3 -m venv "$venv"
PATH=$bare_path "$venv/bin/python" -m pip install -q --disable-pip-version-check --only-binary :all: \
  "$wheel[test]"
if [ "${ADVSTEP_TEST_TORCH:-1}" != 0 ]; then
  PATH=$bare_path scripts/install_torch.sh "$venv"
  export ADVSTEP_REQUIRE_TORCH=1
fi

echo "== pytest python/tests against $(basename "$wheel") =="
cd python/tests  # the installed wheel, not the source tree
status=0
PATH=$bare_path "$repo/$venv/bin/python" -m pytest -q -rs -p no:cacheprovider . || status=$?
echo "wheel: built in $built s, installed and tested in $((SECONDS - tested)) s"
exit "$status"
