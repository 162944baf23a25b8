#!/usr/bin/env bash
# The benchmarks, side by side in one run on this machine: advstep's C API, C++ API and Python API,
# naive C++ loops, a memcpy floor, numpy and (when installed) PyTorch; then prepare_inputs beside
# its vLLM-style CPU peers (numpy, PyTorch). Rewrites docs/benchmarks.md
# and docs/benchmarks.png and prints the issue's ratios.
#
# Installs what it needs: the build tools and Google Benchmark (scripts/install_deps.sh), numpy and
# matplotlib into the virtualenv build/bench-venv, and the Python package advstep there (pip
# install .). PyTorch is not installed (too large): it is timed when `import torch` works in
# build/bench-venv, in build/bench-torch-venv, or in the interpreter named by
# ADVSTEP_BENCH_TORCH_PYTHON; otherwise the page says it was absent.
# Environment: ADVSTEP_BENCH_PYTHON_API=0 skips building the Python package.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/bench
venv=build/bench-venv
results=$build/results
mkdir -p "$results" docs

scripts/install_deps.sh
echo "== building advstep_bench (Release, $build) =="
# CPU figures: the CUDA backend is left out so that device 0 is the host whatever the machine has.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DADVSTEP_BUILD_BENCH=ON -DADVSTEP_CUDA=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target advstep_bench advstep_tail_bench advstep_prepare_bench

echo "== Python environment ($venv) =="
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
vpy=$venv/bin/python
"$vpy" -m pip install -q --disable-pip-version-check numpy matplotlib
notes=()
py_impls=numpy
if [ "${ADVSTEP_BENCH_PYTHON_API:-1}" != 0 ]; then
  if "$vpy" -m pip install -q --disable-pip-version-check "scikit-build-core>=0.10" "nanobind>=2.4" &&
     "$vpy" -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps \
       -C build-dir=build/bench-python -C cmake.define.ADVSTEP_CUDA=OFF . &&
     "$vpy" -c 'import advstep' 2>/dev/null; then
    py_impls=numpy,advstep
  else
    notes+=("The Python API was not timed: the package advstep did not build or import here.")
  fi
else
  notes+=("The Python API was not timed (ADVSTEP_BENCH_PYTHON_API=0).")
fi

torch_python=""
for candidate in "${ADVSTEP_BENCH_TORCH_PYTHON:-}" "$venv/bin/python" build/bench-torch-venv/bin/python; do
  if [ -n "$candidate" ] && [ -x "$(command -v "$candidate")" ] &&
     "$candidate" -c 'import torch, numpy' 2>/dev/null; then
    torch_python=$candidate
    break
  fi
done
if [ -z "$torch_python" ]; then
  notes+=("PyTorch was not timed: no interpreter here imports torch (this command installs none: PyPI's Linux wheel brings several GB of CUDA libraries).")
elif [ "$torch_python" = build/bench-torch-venv/bin/python ]; then
  notes+=("PyTorch ran from build/bench-torch-venv, made by hand with Debian's CPU build: apt-get install python3-torch, then /usr/bin/python3 -m venv --system-site-packages build/bench-torch-venv (this command installs no PyTorch: PyPI's Linux wheel brings several GB of CUDA libraries).")
fi

echo "== machine =="
load=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src include bench 2>/dev/null || commit="$commit (with local changes)"
"$vpy" - "$results/machine.json" "$load" "$commit" "${notes[@]+"${notes[@]}"}" <<'EOF'
import json, os, platform, re, subprocess, sys, time
out, load, commit, notes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
model = re.search(r"Model name:\s*(.+)", lscpu)
compiler = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
bench = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libbenchmark-dev"], capture_output=True, text=True).stdout
pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
machine = {"cpu": model.group(1).strip() if model else platform.processor(), "cores": os.cpu_count(),
           "memory": f"{pages / 2**30:.0f} GiB", "compiler": compiler, "benchmark": bench or "?",
           "commit": commit, "load": load, "date": time.strftime("%Y-%m-%d %H:%M %Z"), "notes": notes}
json.dump(machine, open(out, "w"), indent=1)
print(machine)
EOF

echo "== C++: C API, C++ API, naive loops, memcpy floor =="
"$build/bench/advstep_bench" --benchmark_out="$results/cpp.json" --benchmark_out_format=json |
  grep -E '_min |ERROR' || true

echo "== C++: the C API on one thread, large batches =="
ADVSTEP_NUM_THREADS=1 "$build/bench/advstep_bench" --benchmark_filter='^c_api/v./n=(65536|1048576)/' \
  --benchmark_out="$results/cpp_one_thread.json" --benchmark_out_format=json | grep -E '_min |ERROR' || true

# Every call's latency, default threads against one thread: on the machine as it is, then beside two
# busy processes the driver starts and stops itself (bounded in time, stopped on Ctrl-C too).
echo "== C++: tails, default threads and one thread, no busy process =="
"$build/bench/advstep_tail_bench" --busy 0 --json "$results/tails_quiet.json"
echo "== C++: tails, default threads and one thread, beside 2 busy processes =="
"$build/bench/advstep_tail_bench" --busy 2 --json "$results/tails_loaded.json"

# OpenBLAS settings slow numpy here and no BLAS routine is used: cleared for the peers alone.
peer_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
py_results=()
echo "== Python: $py_impls =="
"${peer_env[@]}" "$vpy" bench/peers.py --cases "$results/cpp.json" --impl "$py_impls" --out "$results/py.json"
py_results+=(--py "$results/py.json")
if [ -n "$torch_python" ]; then
  echo "== Python: torch ($torch_python) =="
  "${peer_env[@]}" "$torch_python" bench/peers.py --cases "$results/cpp.json" --impl torch --out "$results/torch.json"
  py_results+=(--py "$results/torch.json")
fi

# prepare_inputs beside its CPU peers (bench/prepare_step_peers.py): the C++ API, then the Python API and numpy
# side by side, and torch (in the same process when this interpreter has it).
echo "== prepare_inputs: C++ API and unchecked loops =="
"$build/bench/advstep_prepare_bench" --benchmark_out="$results/prepare_cpp.json" --benchmark_out_format=json |
  grep -E '_median |ERROR' || true
prepare_impls=${py_impls/numpy,advstep/advstep,numpy}
[ "$torch_python" = "$vpy" ] && prepare_impls=$prepare_impls,torch
echo "== prepare_inputs: Python, $prepare_impls =="
"${peer_env[@]}" "$vpy" bench/prepare_step_peers.py --impl "$prepare_impls" --json "$results/prepare_py.json"
prepare_results=(--prepare-py "$results/prepare_py.json" --prepare-cpp "$results/prepare_cpp.json")
if [ -n "$torch_python" ] && [ "$torch_python" != "$vpy" ]; then
  echo "== prepare_inputs: Python, torch ($torch_python) =="
  "${peer_env[@]}" "$torch_python" bench/prepare_step_peers.py --impl torch --json "$results/prepare_torch.json"
  prepare_results+=(--prepare-py "$results/prepare_torch.json")
fi

echo "== report: docs/benchmarks.md, docs/benchmarks.png =="
"$vpy" bench/report.py --cpp "$results/cpp.json" --cpp-one-thread "$results/cpp_one_thread.json" "${py_results[@]}" --machine "$results/machine.json" \
  --tails-quiet "$results/tails_quiet.json" --tails-loaded "$results/tails_loaded.json" "${prepare_results[@]}" --md docs/benchmarks.md --png docs/benchmarks.png --load-after "$(cut -d' ' -f1-3 /proc/loadavg)"
