// libFuzzer harness over the prepare step's native entries (prepare_step.md; include/advstep/prepare_step.hpp).
// Each input drives one operation, chosen by the input, through a scenario of its own
// (prepare_inputs_scenario.cpp, advance_drafts_scenario.cpp, post_update_scenario.cpp), each checking the contract's
// invariants:
//   - no access outside a tensor (each tensor is its own heap block, sized exactly, under
//     AddressSanitizer; strided input views leave gaps holding a sentinel);
//   - whenever the call throws, every byte of every tensor is as before (each is snapshotted);
//   - whenever it succeeds, the inputs are unchanged, nothing the batch does not own was written,
//     and each output equals the scenario's own walk of the row formulas, which also asserts that the
//     call had no reason to fault.
// The bytes choose the counts (R, Rmax, M, G tables, widths and block sizes near the int32 and int64
// limits included), each tensor's dtype, strided input views, an occasional output that is not
// contiguous, aliases another or has the wrong length, the options and every value, mostly valid so
// that most calls get past the checks. ADVSTEP_FUZZ_STATS=1 prints how the inputs ended.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "prepare_step_tensors.hpp"

namespace advstep_fuzz {

Outcomes& outcomes() {
  struct Printed : Outcomes {
    ~Printed() {
      if (std::getenv("ADVSTEP_FUZZ_STATS") == nullptr) return;
      std::fprintf(stderr, "outcomes: %lld argument errors, %lld data faults, %lld calls compared with the formulas\n",
                   static_cast<long long>(refused), static_cast<long long>(faults), static_cast<long long>(compared));
    }
  };
  static Printed counts;
  return counts;
}

}  // namespace advstep_fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  advstep_fuzz::Source src(in);
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      advstep_fuzz::fuzz_prepare_inputs(src);
      break;
    case 1:
      advstep_fuzz::fuzz_advance_drafts(src);
      break;
    default:
      advstep_fuzz::fuzz_post_update(src);
      break;
  }
  return 0;
}
