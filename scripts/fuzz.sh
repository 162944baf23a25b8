#!/usr/bin/env bash
# Builds the libFuzzer harness over the C API (preset fuzz: Clang, AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs it for SECONDS (default 60) from the seed corpus in
# fuzz/corpus. New inputs go to build/fuzz/corpus, a finding to build/fuzz/findings/; the script
# fails on a finding. ADVSTEP_FUZZ_STATS=1 prints how the inputs ended.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/install_deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"
mkdir -p build/fuzz/corpus build/fuzz/findings
# Leak checks per input would flag what the runtime keeps on purpose (executor slabs, streams).
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
  build/fuzz/fuzz/advstep_fuzz_c_api -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix=build/fuzz/findings/ build/fuzz/corpus fuzz/corpus
