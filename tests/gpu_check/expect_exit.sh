#!/usr/bin/env bash
# Runs a command and passes when it exits with STATUS and its output matches every PATTERN
# (extended regular expressions, line by line).
#   expect_exit.sh STATUS PATTERN... -- COMMAND [ARGS...]
set -uo pipefail
expected=$1
shift
patterns=()
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  patterns+=("$1")
  shift
done
shift
output=$("$@" 2>&1)
status=$?
printf '%s\n' "$output"
if [ "$status" -ne "$expected" ]; then
  echo "FAIL: exit status $status, expected $expected"
  exit 1
fi
for pattern in "${patterns[@]}"; do
  if ! grep -qE -- "$pattern" <<<"$output"; then
    echo "FAIL: no line matches '$pattern'"
    exit 1
  fi
done
echo "ok: exit $status, ${#patterns[@]} pattern(s) found"
