#!/bin/sh
# Uses an installed advstep prefix as a CANN toolkit (spec 5.1), the way a CANN user would:
# 1. the layout: CANN's library names in lib64/ are symlinks to the one libadvstep, and
#    include/aclnnop, include/aclnn work as include paths on their own;
# 2. set_env.sh: exports CANN's variables, from any directory, in sh and bash, and twice is once;
# 3. the CANN call programs in cann_programs/, built by each of CANN's routes (ops-nn's build.sh eager
#    line with -lacl_rt and with -lascendcl, the classic aclnn sample line, CANN's sample CMakeLists),
#    each binary run in an empty environment with set_env.sh alone and its output compared with the
#    expected one (written from the spec's formulas); no binary carries a run path.
#
# usage: cann_toolkit_check.sh PREFIX WORK_DIR      (CXX and CMAKE name the compiler and cmake)
set -eu
programs="advance_step_v1 advance_step_v2"
prefix=$1
work=$2
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
CXX=${CXX:-g++}
CMAKE=${CMAKE:-cmake}
mkdir -p "$work"

fail() {
  echo "cann_toolkit_check: $*" >&2
  exit 1
}

# 1. Layout.
lib64=$prefix/lib64
real_library=$(readlink -f "$lib64/libadvstep.so.0") || fail "lib64/libadvstep.so.0 is missing"
for name in ascendcl acl_rt nnopbase opapi opapi_nn opapi_math; do
  alias=$lib64/lib$name.so
  [ -L "$alias" ] || fail "lib64/lib$name.so must be a symlink to libadvstep (a copy would be a second library)"
  [ "$(readlink -f "$alias")" = "$real_library" ] || fail "lib64/lib$name.so does not lead to $real_library"
done
printf '#include "aclnn_advance_step.h"\n#include "aclnn_advance_step_v2.h"\n' >"$work/only_aclnnop.cpp"
"$CXX" -fsyntax-only -I "$prefix/include/aclnnop" "$work/only_aclnnop.cpp" || fail "include/aclnnop alone does not compile"
printf '#include "aclnn_base.h"\n#include "acl_meta.h"\n' >"$work/only_aclnn.cpp"
"$CXX" -fsyntax-only -I "$prefix/include/aclnn" "$work/only_aclnn.cpp" || fail "include/aclnn alone does not compile"

# 2. set_env.sh, sourced twice from / in an empty environment, by sh and by bash; bash through a
#    symlink to the prefix (kept as named, as CANN's `latest`) and through a symlink to the file
#    itself (a profile.d entry: it leads to the prefix). lib64 goes first, once, even when it was
#    listed further down; bin/ is not added, as the install makes none.
show='cd / && . "$0" && . "$0" &&
      echo "$ASCEND_HOME_PATH|$ASCEND_TOOLKIT_HOME|$ASCEND_OPP_PATH|$ASCEND_AICPU_PATH|$LD_LIBRARY_PATH" &&
      case ":${PATH-}:" in *"/bin:"*) case ":${PATH-}:" in *":$ASCEND_HOME_PATH/bin:"*) echo "bin on PATH" ;; esac ;; esac'
expect_env() {  # shell set_env-file LD_LIBRARY_PATH-before shown-home LD_LIBRARY_PATH-after-lib64
  got=$(env -i ${3:+LD_LIBRARY_PATH="$3"} "$1" -c "$show" "$2")
  want="$4|$4|$4/opp|$4|$4/lib64${5:+:$5}"
  [ "$got" = "$want" ] || fail "$1: set_env.sh exported $got (expected $want)"
}
ln -sfn "$prefix" "$work/prefix_link"
mkdir -p "$work/profile.d"
ln -sfn "$prefix/set_env.sh" "$work/profile.d/advstep.sh"
expect_env sh "$prefix/set_env.sh" "" "$prefix"
expect_env sh "$prefix/set_env.sh" /opt/other/lib "$prefix" /opt/other/lib
expect_env bash "$work/prefix_link/set_env.sh" "" "$work/prefix_link"
expect_env bash "$prefix/set_env.sh" /opt/other/lib "$prefix" /opt/other/lib
expect_env bash "$work/profile.d/advstep.sh" "" "$prefix"
expect_env sh "$prefix/set_env.sh" "/a::$prefix/lib64:/b" "$prefix" "/a::/b"

# 3. The programs, by each route. The lines are CANN's, with $ASCEND_HOME_PATH from set_env.sh.
(
  . "$prefix/set_env.sh"
  for program in $programs; do
    src=$here/cann_programs/$program.cpp
    for route in eager_acl_rt eager_ascendcl classic; do
      case $route in
        eager_acl_rt | eager_ascendcl)
          runtime=${route#eager_}
          "$CXX" "$src" -I "$ASCEND_HOME_PATH/include" -I "$ASCEND_HOME_PATH/include/aclnnop" \
            -I "$ASCEND_HOME_PATH/include/aclnn" -L "$ASCEND_OPP_PATH/lib64" -L "$ASCEND_HOME_PATH/lib64" \
            -lopapi_nn -lopapi_math -l"$runtime" -lnnopbase -o "$work/${route}_$program" ;;
        classic)
          "$CXX" "$src" -I "$ASCEND_HOME_PATH/include" -I "$ASCEND_HOME_PATH/include/aclnn" \
            -L "$ASCEND_HOME_PATH/lib64" -lascendcl -lnnopbase -lopapi -o "$work/${route}_$program" ;;
      esac || fail "route $route could not build $program"
    done
  done
  ASCEND_CUSTOM_PATH=$ASCEND_HOME_PATH "$CMAKE" -S "$here/cann_programs" -B "$work/cmake_sample" \
    -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_SKIP_RPATH=TRUE >/dev/null || fail "the sample CMakeLists did not configure"
  "$CMAKE" --build "$work/cmake_sample" >/dev/null || fail "the sample CMakeLists did not build"
)
for program in $programs; do
  for binary in eager_acl_rt_$program eager_ascendcl_$program classic_$program cmake_sample/$program; do
    if readelf -d "$work/$binary" | grep -Eq 'RPATH|RUNPATH'; then
      fail "$binary carries a run path: CANN's lines give none, set_env.sh alone must do"
    fi
    env -i /bin/sh -c '. "$0/set_env.sh" && exec "$1"' "$prefix" "$work/$binary" >"$work/$binary.out" \
      2>"$work/$binary.err" ||
      fail "$binary failed under set_env.sh alone:$(printf '\n'; cat "$work/$binary.out" "$work/$binary.err")"
    cmp -s "$work/$binary.out" "$here/cann_programs/expected_${program#advance_step_}.txt" ||
      fail "$binary printed:$(printf '\n'; cat "$work/$binary.out" "$work/$binary.err")"
    # stderr: nothing, but for a CUDA build's one-line notice that it runs on the CPU (no GPU here).
    if grep -qv '^advstep: running on the CPU: ' "$work/$binary.err"; then
      fail "$binary wrote to stderr:$(printf '\n'; cat "$work/$binary.err")"
    fi
  done
done
echo "cann_toolkit_check: layout, set_env.sh, and 4 routes for $programs passed"
