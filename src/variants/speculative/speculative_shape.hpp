// What a checked speculative step (V2) alone needs beyond the common plan: its drafts per sequence.
#pragma once

#include <cstdint>

namespace advstep::variants {

struct SpeculativeShape {
  int64_t spec_num = 0;  ///< S: E = S + 1 cells per sequence
};

}  // namespace advstep::variants
