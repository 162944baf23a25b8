#!/usr/bin/env bash
# libadvstep of a CUDA build loads and runs where libcudart cannot be found, on the CPU.
#   runs_without_cudart.sh LIBADVSTEP BACKEND PROGRAM EXPECTED_STDOUT
# LIBADVSTEP must not need libcudart (the CUDA backend library BACKEND does). PROGRAM is run through
# the dynamic loader with its cache and BACKEND's run path switched off, so that libcudart is found
# nowhere, as on a machine without CUDA: it must print EXPECTED_STDOUT, with a one-line notice on
# stderr naming libcudart under ADVSTEP_DEVICE=auto, none under cpu, and fail under cuda.
set -euo pipefail
library=$1 backend=$2 program=$3 expected=$4
fail() { echo "FAIL: $*" >&2; exit 1; }

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
if needed "$library" | grep -q '^libcudart'; then fail "$library needs libcudart: $(needed "$library" | tr '\n' ' ')"; fi
needed "$backend" | grep -q '^libcudart' || fail "$backend does not need libcudart, so hiding it proves nothing"

loader=$(readelf -l "$program" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -x "$loader" ] || fail "no program interpreter found for $program"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run_hidden() {  # DEVICE: runs PROGRAM with libcudart out of reach; stdout and stderr into $work
  ADVSTEP_DEVICE=$1 "$loader" --inhibit-cache --inhibit-rpath "$(realpath "$backend")" "$program" \
    >"$work/out" 2>"$work/err"
}

run_hidden auto || fail "exit $? with ADVSTEP_DEVICE=auto: $(cat "$work/err")"
cmp -s "$work/out" "$expected" || fail "stdout differs from $expected: $(diff "$work/out" "$expected" | head)"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "expected one notice line on stderr, got: $(cat "$work/err")"
grep -q '^advstep: running on the CPU: .*libcudart' "$work/err" || fail "the notice does not name libcudart: $(cat "$work/err")"

run_hidden cpu || fail "exit $? with ADVSTEP_DEVICE=cpu: $(cat "$work/err")"
[ ! -s "$work/err" ] || fail "ADVSTEP_DEVICE=cpu printed: $(cat "$work/err")"

if run_hidden cuda; then fail "ADVSTEP_DEVICE=cuda ran without libcudart"; fi
grep -q '207004' "$work/out" "$work/err" || fail "ADVSTEP_DEVICE=cuda did not fail with 207004: $(cat "$work/out" "$work/err")"
echo "libadvstep runs without libcudart: CPU with a notice (auto), quiet (cpu), 207004 (cuda)"
