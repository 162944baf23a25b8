#!/usr/bin/env bash
# Compiles every CUDA source of the project (src/**/*.cu, bench/**/*.cu, found when it runs, so a
# new kernel file is covered without a change here) for each listed architecture, device code only,
# with warnings as errors and ptxas' resource report; fails on any warning, on any register spill,
# and on a file that does not compile. Prints registers, stack frame and spills per kernel.
#   compile_kernels.sh NVCC SOURCE_DIR "ARCH;ARCH..." [EXTRA_NVCC_FLAGS...]
# ARCH: an entry of CMAKE_CUDA_ARCHITECTURES (80, 90a, 90-real, ...); entries naming no single
# architecture (native, all, all-major) cannot be compiled without a GPU or a choice, and are noted.
set -euo pipefail
nvcc=$1 source_dir=$2 arch_list=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

archs=()
IFS=';' read -r -a entries <<<"$arch_list"
for entry in "${entries[@]}"; do
  if [[ $entry =~ ^([0-9]+[a-z]?)(-real|-virtual)?$ ]]; then
    archs+=("${BASH_REMATCH[1]}")
  else
    echo "note: CUDA architecture entry '$entry' names no single architecture; not compiled here"
  fi
done
if [ "${#archs[@]}" -eq 0 ]; then
  echo "skipped: no numbered architecture in '$arch_list'"
  exit 77
fi
roots=()
for root in src bench; do
  [ -d "$source_dir/$root" ] && roots+=("$source_dir/$root")
done
mapfile -t sources < <(find "${roots[@]}" -name '*.cu' | sort)
if [ "${#sources[@]}" -eq 0 ]; then
  echo "failed: no .cu file under $source_dir/src or $source_dir/bench"
  exit 1
fi

flags=(-std=c++20 --expt-relaxed-constexpr -Werror all-warnings
       -Xptxas '-v,-warn-spills,-Werror'
       -I"$source_dir/include" -I"$source_dir/src" -DADVSTEP_VERSION='"check"' "$@")
status=0
kernels=0
printf '%-6s %5s %6s %7s  %s\n' arch regs stack spills kernel
for source in "${sources[@]}"; do
  relative=${source#"$source_dir"/}
  for arch in "${archs[@]}"; do
    log="$work/log"
    if ! "$nvcc" -cubin -arch="sm_$arch" "${flags[@]}" -o "$work/out.cubin" "$source" >"$log" 2>&1; then
      echo "FAILED: $relative for sm_$arch:"
      grep -v '^ptxas info' "$log" | sed 's/^/  /'
      status=1
      continue
    fi
    if grep -qi 'warning' "$log"; then
      echo "FAILED: $relative for sm_$arch has warnings:"
      grep -i 'warning' "$log" | sed 's/^/  /'
      status=1
    fi
    # ptxas -v: "Compiling entry function 'NAME' for 'sm_XY'", then "N bytes stack frame, S bytes
    # spill stores, L bytes spill loads" and "Used R registers" for it.
    awk -v file="$relative" '
      /Compiling entry function/ { split($0, q, "'"'"'"); name = q[2]; arch = q[4]; entry = 1; next }
      entry && /bytes stack frame/ { stack = $1; spills = $5 + $9 }
      entry && /Used [0-9]+ registers/ {
        for (i = 1; i <= NF; i++) if ($i == "Used") regs = $(i + 1)
        printf "%s\t%s\t%s\t%s\t%s\t%s\n", arch, regs, stack, spills, file, name
        entry = 0
      }' "$log" >>"$work/kernels"
  done
done
if [ -s "$work/kernels" ]; then
  demangle='cat'
  command -v c++filt >/dev/null && demangle=c++filt
  while IFS=$'\t' read -r arch regs stack spills file name; do
    pretty=$(printf '%s\n' "$name" | "$demangle" | sed -E 's/\(anonymous namespace\):://g; s/advstep::(cuda|core|bench):://g')
    printf '%-6s %5s %6s %7s  %s: %.110s\n' "$arch" "$regs" "$stack" "$spills" "$file" "$pretty"
    kernels=$((kernels + 1))
    if [ "$spills" -ne 0 ]; then
      echo "FAILED: the kernel above spills $spills bytes of registers to local memory"
      status=1
    fi
  done <"$work/kernels"
fi
echo "${#sources[@]} CUDA files x ${#archs[@]} architectures (${archs[*]}): $kernels kernels compiled"
exit "$status"
