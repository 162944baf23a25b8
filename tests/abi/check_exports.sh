#!/usr/bin/env bash
# Fails when a shared library exports a symbol its allow-list does not name, or does not export
# a function its public headers declare for export.
#   check_exports.sh LIBRARY ALLOW_LIST [HEADER_DIR...]
# ALLOW_LIST: one extended regular expression per line (# comments), matched against whole demangled
# names of `nm -DC --defined-only`. A name that mentions advstep must match a line that mentions it
# too (so a broad line such as std::.* never admits std::vector<advstep::...>). HEADER_DIR: every
# function declared there with ACL_FUNC_VISIBILITY, ACLNN_API or ADVSTEP_API must be exported.
set -euo pipefail
library=$1 allow_list=$2
shift 2
if ! command -v nm >/dev/null; then
  echo "check_exports: nm (binutils) not found" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep -Ev '^[[:space:]]*(#|$)' "$allow_list" >"$work/patterns"
grep 'advstep' "$work/patterns" >"$work/advstep_patterns" || true
# "ADDRESS TYPE NAME": the name is everything after the second space (C++ names hold spaces).
nm -DC --defined-only "$library" | cut -d' ' -f3- | sort -u >"$work/symbols"
if [ ! -s "$work/symbols" ]; then
  echo "check_exports: nm found no exported symbol in $library" >&2
  exit 1
fi

status=0
{ grep -Evx -f "$work/patterns" "$work/symbols" || true
  grep 'advstep' "$work/symbols" | grep -Evx -f "$work/advstep_patterns" || true; } | sort -u >"$work/leaks"
if [ -s "$work/leaks" ]; then
  echo "$library exports $(wc -l <"$work/leaks") symbol(s) outside $allow_list:"
  sed 's/^/  /' "$work/leaks"
  status=1
fi

# Each exported declaration of the headers: the name before the first '(' of a marked line.
if [ "$#" -gt 0 ]; then
  grep -rhE '^[[:space:]]*(ACL_FUNC_VISIBILITY|ACLNN_API|ADVSTEP_API)[[:space:]][^(]*\(' "$@" |
    sed -E 's/\(.*//; s/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*$/\1/' | sort -u >"$work/declared"
  sed -E 's/\(.*//; s/.*:://' "$work/symbols" | sort -u >"$work/exported_names"
  comm -23 "$work/declared" "$work/exported_names" >"$work/missing"
  if [ -s "$work/missing" ]; then
    echo "$library does not export $(wc -l <"$work/missing") function(s) its headers declare for export:"
    sed 's/^/  /' "$work/missing"
    status=1
  else
    echo "$(wc -l <"$work/declared") functions declared for export in the headers, all exported"
  fi
fi
[ "$status" -eq 0 ] && echo "$library: $(wc -l <"$work/symbols") exported symbols, all allowed"
exit "$status"
