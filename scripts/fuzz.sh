#!/usr/bin/env bash
# Builds the libFuzzer harnesses (preset fuzz: Clang, AddressSanitizer and UndefinedBehaviorSanitizer)
# and runs them for SECONDS (default 60) in all: three fifths to the C API's, over its semantics modes,
# from the seed corpus in fuzz/corpus; one fifth to the FlashInfer variant's native entry
# (build/fuzz/corpus_flashinfer); one fifth to the prepare step's (build/fuzz/corpus_prepare_step).
# New inputs go to build/fuzz/corpus, a
# finding to build/fuzz/findings/; the script fails on a finding. ADVSTEP_FUZZ_STATS=1 prints how
# the inputs ended.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/install_deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"
mkdir -p build/fuzz/corpus build/fuzz/corpus_flashinfer build/fuzz/corpus_prepare_step build/fuzz/findings
flashinfer=$((seconds / 5)) prepare_step=$((seconds / 5))
seconds=$((seconds - flashinfer - prepare_step))
# The C API's semantics are per process: half the time vLLM's (the default), a quarter the Ascend
# emulation (40 cores), a quarter the row block bound; the harness asks the matching oracle.
half=$((seconds / 2)) quarter=$((seconds / 4))
for run in "$half:" "$quarter:ADVSTEP_SEMANTICS=ascend ADVSTEP_ASCEND_CORES=40" \
           "$((seconds - half - quarter)):ADVSTEP_BLOCK_BOUND=row"; do
  duration=${run%%:*} settings=${run#*:}
  [ "$duration" -gt 0 ] || continue
  echo "== fuzzing ${duration} s, semantics: ${settings:-default}"
  # Leak checks per input would flag what the runtime keeps on purpose (executor slabs, streams).
  env $settings ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
    build/fuzz/fuzz/advstep_fuzz_c_api -max_total_time="$duration" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix=build/fuzz/findings/ build/fuzz/corpus fuzz/corpus
done
if [ "$flashinfer" -gt 0 ]; then
  echo "== fuzzing ${flashinfer} s, the FlashInfer variant"
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
    build/fuzz/fuzz/advstep_fuzz_flashinfer -max_total_time="$flashinfer" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix=build/fuzz/findings/flashinfer- build/fuzz/corpus_flashinfer
fi
if [ "$prepare_step" -gt 0 ]; then
  echo "== fuzzing ${prepare_step} s, the prepare step"
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
    build/fuzz/fuzz/advstep_fuzz_prepare_step -max_total_time="$prepare_step" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix=build/fuzz/findings/prepare-step- build/fuzz/corpus_prepare_step
fi
