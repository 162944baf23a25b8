// What a checked decode step (V1) alone needs beyond the common plan: which rows it writes.
#pragma once

#include <cstdint>

namespace advstep::variants {

struct DecodeShape {
  /// Query rows updated: Q, or min(Q, cores) under Ascend semantics (its V1 kernel stops there).
  int64_t updated_rows = 0;
  /// Padding rows written: Q, Q + step, Q + 2 * step, ...; 1, or the core count under Ascend V1.
  int64_t padding_step = 1;
};

}  // namespace advstep::variants
