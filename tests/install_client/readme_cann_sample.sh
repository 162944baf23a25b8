#!/bin/sh
# Runs the README's CANN-sample block as written (examples/cann_sample/: cd, mkdir, cmake, make,
# ./bin/opapi_test) in a copy of the repository's examples/, in a shell that sourced the installed
# prefix's set_env.sh, as the README's reader would; the program must print what the V1 example
# prints in the build tree, and carry no run path.
#
# usage: readme_cann_sample.sh PREFIX WORK_DIR REPOSITORY      (CMAKE names cmake's folder via PATH)
set -eu
prefix=$1
work=$2
repo=$3

fail() {
  echo "readme_cann_sample: $*" >&2
  exit 1
}

# The block: the ```sh fence of README.md that runs ./bin/opapi_test.
block=$(awk '/^```sh$/ { inside = 1; text = ""; next }
             /^```$/ && inside { if (text ~ /opapi_test/) { printf "%s", text; exit } inside = 0; next }
             inside { text = text $0 "\n" }' "$repo/README.md")
[ -n "$block" ] || fail "README.md has no sh block running ./bin/opapi_test"

rm -rf "$work"
mkdir -p "$work"
cp -R "$repo/examples" "$work/examples"
rm -rf "$work/examples/cann_sample/build"
(
  cd "$work"
  env -i PATH="$PATH" HOME="$HOME" /bin/bash -c '. "$0/set_env.sh" && eval "$1"' "$prefix" "$block"
) >"$work/out.txt" 2>"$work/err.txt" || fail "the block failed:$(printf '\n'; cat "$work/out.txt" "$work/err.txt")"

binary=$work/examples/cann_sample/build/bin/opapi_test
[ -x "$binary" ] || fail "the block built no examples/cann_sample/build/bin/opapi_test"
if readelf -d "$binary" | grep -Eq 'RPATH|RUNPATH'; then
  fail "bin/opapi_test carries a run path: -DCMAKE_SKIP_RPATH=TRUE and set_env.sh alone must do"
fi
# The program's output is the block's last lines (cmake and make print theirs first).
expected=$repo/tests/expected/aclnn_advance_step.txt
lines=$(wc -l <"$expected")
tail -n "$lines" "$work/out.txt" >"$work/program.txt"
cmp -s "$work/program.txt" "$expected" ||
  fail "bin/opapi_test printed:$(printf '\n'; cat "$work/program.txt" "$work/err.txt")"
echo "readme_cann_sample: the README's CANN-sample block built and ran bin/opapi_test"
