#!/usr/bin/env bash
# Installs what the build and the tests need, only when missing: compilers, CMake, GoogleTest,
# Google Benchmark, the libFuzzer runtime (Debian packages) and, for the Python package, pip
# packages.
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"

need_apt=()
command -v g++ >/dev/null || need_apt+=(g++)
command -v cmake >/dev/null || need_apt+=(cmake)
[ -f /usr/include/gtest/gtest.h ] || need_apt+=(libgtest-dev)
[ -f /usr/include/benchmark/benchmark.h ] || need_apt+=(libbenchmark-dev)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip python3-venv)
# Clang and the libFuzzer runtime: the tsan and fuzz presets.
command -v clang++ >/dev/null || need_apt+=(clang)
compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null || need_apt+=(libclang-rt-dev)
[ ${#need_apt[@]} -eq 0 ] || apt_install "${need_apt[@]}"
