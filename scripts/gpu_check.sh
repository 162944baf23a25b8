#!/usr/bin/env bash
# The CUDA backend on a real GPU, in one call: probe, build for this GPU, GPU tests, Python suite on
# torch CUDA tensors and CuPy arrays, compute-sanitizer, benchmark; one summary line per step, and
# the figures, the GPU's name and the summary lines written into docs/benchmarks_cuda.md.
#
#   scripts/gpu_check.sh [--dry-run] [--build-dir DIR] [--prebuilt] [--deps DIR] [--budget SECONDS]
#                        [--report FILE]
#   scripts/gpu_check.sh --stage-deps DIR
#
# --dry-run        probe the GPU (nvidia-smi), print the steps with their commands and time limits,
#                  run nothing else. Exits non-zero, as a real run does, when the probe fails.
# --build-dir DIR  the build folder (default build/gpu-check).
# --prebuilt       DIR was built elsewhere and carried here (the device tool's `carry`): no configure
#                  and no build; its tests and benchmarks run as they are. It must have been
#                  configured with this GPU's architecture among CMAKE_CUDA_ARCHITECTURES; when the
#                  tree's path differs from the one it was configured in, that path is linked to
#                  this tree (CTest's files name absolute paths).
# --deps DIR       a prefix holding GoogleTest and Google Benchmark (made by --stage-deps), for a
#                  machine where neither is installed and nothing can be installed; its libraries
#                  also go on LD_LIBRARY_PATH (a carried build's benchmark links libbenchmark).
# --budget S       seconds for the whole run (default 470): each step gets at most its own limit
#                  and what is left; a step that cannot start in time is reported as skipped.
# --report FILE    the page the report goes into, between its gpu_check markers (default
#                  docs/benchmarks_cuda.md).
# --stage-deps DIR copies this machine's GoogleTest and Google Benchmark (headers, libraries, CMake
#                  packages) into DIR, to be carried to the GPU machine; then exits.
#
# Which build is faster: expected, the carried one. A fresh build (the default) configures and
# compiles everything for the device's architecture only: about 4 CPU-minutes here, so roughly a
# minute of device time on its 16 cores. A carried build (preset ci: about 46 MB, inside the 64 MiB
# the device tool carries with the tree) costs only its transfer, but it has the architectures it
# was configured with (ci: 80;90, which covers the H100 and H200), its Python module only where
# nanobind was installed when it was built, and it needs --deps for libbenchmark. The summary line
# "build" gives the time either took.
#
# Exit status: 0 when every step passed; 1 when a step failed or was skipped for time; 2 when the
# GPU probe failed (nothing else runs: without a GPU every GPU test would skip while ctest says
# success); 3 for bad arguments or a missing tool.
#
# On the device tool's machine, $OUT receives the updated docs/benchmarks_cuda.md, the summary and
# the full log.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 3

dry_run=0 prebuilt=0 build_dir=build/gpu-check deps_dir="" budget=470 stage_dir="" doc=docs/benchmarks_cuda.md
while [ "$#" -gt 0 ]; do
  case $1 in
    --dry-run) dry_run=1 ;;
    --prebuilt) prebuilt=1 ;;
    --build-dir) build_dir=${2:?--build-dir needs a folder}; shift ;;
    --deps) deps_dir=${2:?--deps needs a folder}; shift ;;
    --report) doc=${2:?--report needs a file}; shift ;;
    --budget) budget=${2:?--budget needs seconds}; shift ;;
    --stage-deps) stage_dir=${2:?--stage-deps needs a folder}; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu_check: unknown argument '$1' (see --help)" >&2; exit 3 ;;
  esac
  shift
done
case $budget in ''|*[!0-9]*) echo "gpu_check: --budget must be whole seconds (got '$budget')" >&2; exit 3 ;; esac

# --stage-deps: GoogleTest and Google Benchmark from this machine's system prefix.
if [ -n "$stage_dir" ]; then
  multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
  lib=/usr/lib/$multiarch
  # The system's own layout (lib/<multiarch>/...), which the packages' files locate their prefix from.
  mkdir -p "$stage_dir/include" "$stage_dir/lib/$multiarch/cmake"
  for package in GTest benchmark; do
    [ -d "$lib/cmake/$package" ] || { echo "gpu_check: no CMake package $package under $lib/cmake" >&2; exit 3; }
    cp -a "$lib/cmake/$package" "$stage_dir/lib/$multiarch/cmake/"
  done
  cp -a /usr/include/gtest /usr/include/gmock /usr/include/benchmark "$stage_dir/include/" 2>/dev/null
  cp -a "$lib"/libgtest* "$lib"/libgmock* "$lib"/libbenchmark* "$stage_dir/lib/$multiarch/" 2>/dev/null
  echo "staged GoogleTest and Google Benchmark into $stage_dir ($(du -sh "$stage_dir" | cut -f1))"
  exit 0
fi

start=$(date +%s)
deadline=$((start + budget))
log_dir=$build_dir/gpu_check_logs
summary=()
failed=0

mkdir -p "$log_dir" 2>/dev/null || log_dir=$(mktemp -d)
full_log=$log_dir/gpu_check.log
: >"$full_log"

say() { printf '%s\n' "$*" | tee -a "$full_log"; }
record() {  # STEP VERDICT SECONDS DETAIL
  local line
  line=$(printf 'gpu_check: %-22s %-4s %4ss  %s' "$1" "$2" "$3" "$4")
  summary+=("$line")
  say "$line"
  [ "$2" = PASS ] || failed=1
}
left() { echo $((deadline - $(date +%s))); }

# run_step NAME LIMIT COMMAND...: runs COMMAND under `timeout` (at most LIMIT seconds, and what the
# budget leaves), its output in the log; sets step_status and step_seconds.
run_step() {
  local name=$1 limit=$2 remaining
  shift 2
  remaining=$(( $(left) - 10 ))  # 10 s kept for the report
  [ "$remaining" -lt "$limit" ] && limit=$remaining
  if [ "$limit" -lt 10 ]; then
    step_status=200 step_seconds=0  # not started: the budget is spent
    return
  fi
  local t0 t1
  t0=$(date +%s)
  say "---- $name (limit ${limit}s): $*"
  timeout --kill-after=10 "$limit" "$@" >"$log_dir/$name.log" 2>&1
  step_status=$?
  t1=$(date +%s)
  step_seconds=$((t1 - t0))
  cat "$log_dir/$name.log" >>"$full_log"
  [ "$step_status" -eq 124 ] && say "---- $name: stopped after ${limit}s (its limit)"
}

# The line of LOG that says how the step went (its last line matching REGEX, else its last line).
detail_of() {  # LOG REGEX
  { grep -E "$2" "$1" || grep -v '^[[:space:]]*$' "$1"; } 2>/dev/null | tail -n 1 | cut -c1-200
}

verdict() {  # maps step_status to PASS / FAIL / SKIP / TIME
  case $step_status in
    0) echo PASS ;;
    200) echo SKIP ;;
    124|137) echo TIME ;;
    *) echo FAIL ;;
  esac
}

# 1. The probe, first: a GPU the driver sees, its architecture; nvcc for a fresh build.
probe_failed() {  # REASON [STEP]
  say ""
  say "GPU PROBE FAILED: $1"
  say "Nothing else runs: on a machine without a working GPU every GPU test would skip while ctest"
  say "reports success. Run this on the GPU machine (the device tool's run), or fix the driver."
  record "${2:-probe}" FAIL 0 "$1"
  exit 2
}
if ! command -v nvidia-smi >/dev/null; then
  probe_failed "nvidia-smi not found (no NVIDIA driver on this machine)"
fi
gpu_query=$(nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv,noheader 2>&1)
probe_status=$?
gpu_line=$(printf '%s\n' "$gpu_query" | head -n 1)
if [ "$probe_status" -ne 0 ] || [ -z "$gpu_line" ]; then
  probe_failed "nvidia-smi found no GPU (exit $probe_status): $(printf '%s' "$gpu_query" | head -c 300)"
fi
IFS=',' read -r gpu_name compute_cap driver_version gpu_memory <<<"$gpu_line"
gpu_name=$(echo "$gpu_name" | xargs) compute_cap=$(echo "$compute_cap" | xargs)
driver_version=$(echo "$driver_version" | xargs) gpu_memory=$(echo "$gpu_memory" | xargs)
if ! [[ $compute_cap =~ ^[0-9]+\.[0-9]+$ ]]; then
  probe_failed "nvidia-smi gave no compute capability for $gpu_name (got '$compute_cap')"
fi
arch=${compute_cap/./}
nvcc_version="(prebuilt)"
if [ "$prebuilt" -eq 0 ]; then
  command -v nvcc >/dev/null || probe_failed "nvcc not found: a fresh build needs the CUDA compiler"
  nvcc_version=$(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')
fi
gpu_count=$(printf '%s\n' "$gpu_query" | grep -c .)
record probe PASS 0 "$gpu_name x$gpu_count, sm_$arch, driver $driver_version, $gpu_memory, nvcc $nvcc_version"

build=$build_dir
[ "${build:0:1}" = / ] || build=$root/$build
cmake_args=(-S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DADVSTEP_CUDA=ON -DADVSTEP_WERROR=ON
            "-DCMAKE_CUDA_ARCHITECTURES=$arch" -DADVSTEP_BUILD_EXAMPLES=ON)
if [ -n "$deps_dir" ]; then
  deps_dir=$(cd "$deps_dir" && pwd) || exit 3
  deps_lib=$(dirname "$(find "$deps_dir/lib" -path '*/cmake/GTest' -type d | head -n 1)")
  deps_lib=$(dirname "$deps_lib")  # lib/<multiarch>, where --stage-deps put the libraries
  cmake_args+=("-DCMAKE_PREFIX_PATH=$deps_dir" "-DGTest_DIR=$deps_lib/cmake/GTest"
               "-Dbenchmark_DIR=$deps_lib/cmake/benchmark")
  # A carried build's benchmark links the staged libbenchmark.
  export LD_LIBRARY_PATH="$deps_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
python=${PYTHON:-python3}
if "$python" -c 'import nanobind' 2>/dev/null; then
  cmake_args+=(-DADVSTEP_PYTHON=ON "-DPython_EXECUTABLE=$(command -v "$python")")
fi
racecheck_filter='*CudaKernelForms.*:*CudaGraph.*:CudaAdvanceStep.*:CudaNativeCapture.*'
sanitizer=$(command -v compute-sanitizer || echo "${CUDA_HOME:-/usr/local/cuda}/bin/compute-sanitizer")

if [ "$dry_run" -eq 1 ]; then
  say "dry run: the steps a real run takes on this machine (budget ${budget}s), none of them run:"
  if [ "$prebuilt" -eq 1 ]; then
    say "  build       (none: --prebuilt $build)"
  else
    say "  configure   cmake ${cmake_args[*]}"
    say "  build       cmake --build $build --target advstep_gpu_probe, then cmake --build $build"
  fi
  say "  gpu_probe   ADVSTEP_REQUIRE_GPU=1 $build/tests/advstep_gpu_probe"
  say "  gpu_tests   ADVSTEP_REQUIRE_GPU=1 ctest --test-dir $build -L gpu -LE sanitizer (limit 150s)"
  say "  python      pytest python/tests/{test_array_libraries,test_torch,test_devices}.py on torch CUDA and CuPy (limit 90s)"
  say "  bench_cuda  $build/bench/cuda/advstep_cuda_bench (limit 90s)"
  say "  bench_triton $python bench/cuda/triton_peer.py --variants v1,v2 (limit 90s)"
  say "  memcheck    $sanitizer --tool memcheck $build/tests/advstep_cuda_tests (limit 120s)"
  say "  racecheck   $sanitizer --tool racecheck ... --gtest_filter=$racecheck_filter (limit 60s)"
  exit 0
fi

# 2. The build: fresh for this GPU's architecture, or carried.
if [ "$prebuilt" -eq 1 ]; then
  configured_in=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt" 2>/dev/null)
  if [ -z "$configured_in" ]; then
    record build FAIL 0 "--prebuilt: $build has no CMakeCache.txt"
    exit 1
  fi
  configured_archs=$(sed -n 's/^CMAKE_CUDA_ARCHITECTURES:[A-Z]*=//p' "$build/CMakeCache.txt")
  if [ "$configured_in" != "$root" ] && [ ! -e "$configured_in" ]; then
    mkdir -p "$(dirname "$configured_in")" && ln -s "$root" "$configured_in"
    say "linked $configured_in -> $root (the path the carried build was configured in)"
  fi
  record build PASS 0 "carried build $build, configured in $configured_in for architectures $configured_archs"
else
  step_t0=$(date +%s)
  run_step configure 120 cmake "${cmake_args[@]}"
  if [ "$step_status" -eq 0 ]; then
    run_step build_probe 120 cmake --build "$build" --target advstep_gpu_probe
  fi
  if [ "$step_status" -ne 0 ]; then
    record build "$(verdict)" $(($(date +%s) - step_t0)) "configure or probe build failed: see $log_dir"
    exit 1
  fi
fi
probe_output=$(ADVSTEP_REQUIRE_GPU=1 "$build/tests/advstep_gpu_probe" 2>&1)
probe_status=$?
if [ "$probe_status" -ne 0 ]; then
  say "advstep_gpu_probe: $probe_output"
  probe_failed "advstep_gpu_probe exited with $probe_status under ADVSTEP_REQUIRE_GPU=1: $probe_output" cuda_probe
fi
record cuda_probe PASS 0 "advstep_gpu_probe under ADVSTEP_REQUIRE_GPU=1: $probe_output"
if [ "$prebuilt" -eq 0 ]; then
  run_step build 300 cmake --build "$build" -j "$(nproc)"
  record build "$(verdict)" $(($(date +%s) - step_t0)) "fresh build for sm_$arch, configure and compile"
  [ "$step_status" -eq 0 ] || exit 1
fi

# 3. The GPU tests, required to run (ADVSTEP_REQUIRE_GPU=1 turns a skip into a failure).
export ADVSTEP_REQUIRE_GPU=1
run_step gpu_tests 150 ctest --test-dir "$build" -L gpu -LE sanitizer -j 4 --output-on-failure --timeout 140 \
  --no-tests=error
record gpu_tests "$(verdict)" "$step_seconds" "$(detail_of "$log_dir/gpu_tests.log" 'tests passed|tests failed')"

# The Python suite on torch CUDA tensors and CuPy arrays (graph capture through torch included), on
# the package as the wheel lays it out: the module, libadvstep and the CUDA backend side by side.
python_summary="not built (nanobind not importable)"
step_status=1 step_seconds=0
if compgen -G "$build/python/_core*.so" >/dev/null; then
  package=$build/gpu_check_package
  rm -rf "$package" && mkdir -p "$package"
  cp -a python/advstep "$package/"
  cp "$build"/python/_core*.so "$package/advstep/"
  cp -L "$build"/libadvstep.so.* "$package/advstep/" 2>/dev/null
  cp "$build"/libadvstep_cuda.so "$package/advstep/"
  run_step python 90 env PYTHONPATH="$package" "$python" -m pytest -q -rA -p no:cacheprovider \
    python/tests/test_array_libraries.py python/tests/test_torch.py python/tests/test_devices.py
  python_summary=$(grep -E '^=+ .*(passed|failed).* =+$' "$log_dir/python.log" | tail -1 | tr -d '=' | xargs)
  # A GPU run must exercise the GPU libraries, not skip them.
  for required in 'test_library_is_exercised\[torch-cuda\]' 'test_library_is_exercised\[cupy\]' \
                  'test_cuda_graph_capture_and_replay'; do
    if ! grep -qE "^PASSED .*$required" "$log_dir/python.log"; then
      python_summary="$python_summary; not passed: ${required//\\/}"
      [ "$step_status" -eq 0 ] && step_status=1
    fi
  done
fi
record python "$(verdict)" "$step_seconds" "$python_summary"

# 4. The benchmarks: advstep against the vLLM-style kernel, an empty launch and the copy (C API,
# eager and graph), then the Triton peer against advstep's torch op (V1, V2; see triton_peer.py
# for where the FlashInfer variant joins).
bench_summary="advstep_cuda_bench not built"
step_status=1 step_seconds=0
if [ -x "$build/bench/cuda/advstep_cuda_bench" ]; then
  run_step bench_cuda 90 "$build/bench/cuda/advstep_cuda_bench" --benchmark_min_time=0.02
  bench_summary="ratio table in $doc"
  [ "$step_status" -eq 0 ] || bench_summary=$(detail_of "$log_dir/bench_cuda.log" 'advstep_cuda_bench:')
fi
record bench_cuda "$(verdict)" "$step_seconds" "$bench_summary"
if compgen -G "$build/python/_core*.so" >/dev/null; then
  run_step bench_triton 90 env PYTHONPATH="$package" "$python" bench/cuda/triton_peer.py --variants v1,v2 \
    --markdown "$log_dir/triton_table.md"
  triton_summary="table in $doc"
  [ "$step_status" -eq 0 ] || triton_summary=$(detail_of "$log_dir/bench_triton.log" 'triton_peer:|Error')
  record bench_triton "$(verdict)" "$step_seconds" "$triton_summary"
else
  record bench_triton SKIP 0 "the Python package was not built"
fi

# compute-sanitizer: memcheck over the GPU tests, racecheck over the kernel and graph tests.
run_step memcheck 120 "$sanitizer" --tool memcheck --error-exitcode 1 "$build/tests/advstep_cuda_tests"
record memcheck "$(verdict)" "$step_seconds" "$(detail_of "$log_dir/memcheck.log" 'ERROR SUMMARY')"
run_step racecheck 60 "$sanitizer" --tool racecheck --error-exitcode 1 "$build/tests/advstep_cuda_tests" \
  "--gtest_filter=$racecheck_filter"
record racecheck "$(verdict)" "$step_seconds" "$(detail_of "$log_dir/racecheck.log" 'RACECHECK SUMMARY|ERROR SUMMARY')"

# The report: docs/benchmarks_cuda.md between its markers, and $OUT.
total=$(($(date +%s) - start))
report=$log_dir/report.md
{
  echo "Run of \`scripts/gpu_check.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'): **$gpu_name** (sm_$arch, driver"
  echo "$driver_version, $gpu_memory), nvcc $nvcc_version, ${total}s in all."
  echo
  echo '```'
  printf '%s\n' "${summary[@]}"
  echo '```'
  if [ -s "$log_dir/bench_cuda.log" ]; then
    echo
    echo "advstep_cuda_bench (C API; times per call, GPU time from CUDA events):"
    echo
    echo '```'
    sed -n '/^GPU: /,$p' "$log_dir/bench_cuda.log"
    echo '```'
  fi
  if [ -s "$log_dir/triton_table.md" ]; then
    echo
    cat "$log_dir/triton_table.md"
  fi
} >"$report"
if grep -q '<!-- gpu_check:begin -->' "$doc" && grep -q '<!-- gpu_check:end -->' "$doc"; then
  awk -v report="$report" '
    /<!-- gpu_check:begin -->/ { print; while ((getline line < report) > 0) print line; skip = 1; next }
    /<!-- gpu_check:end -->/ { skip = 0 }
    !skip { print }' "$doc" >"$doc.new" && mv "$doc.new" "$doc"
else
  say "gpu_check: $doc has no gpu_check markers; the report is in $report"
fi
if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
  cp "$doc" "$OUT/benchmarks_cuda.md"
  printf '%s\n' "${summary[@]}" >"$OUT/gpu_check_summary.txt"
  tail -c 15000000 "$full_log" >"$OUT/gpu_check.log"
fi
say ""
say "gpu_check summary (${total}s):"
printf '%s\n' "${summary[@]}"
exit "$failed"
