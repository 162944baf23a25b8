// What a checked FlashInfer step alone needs beyond the common plan (spec section 9).
#pragma once

#include <cstdint>

namespace advstep::variants {

struct FlashInferShape {
  int64_t indices_capacity = 0;  ///< C = numel(paged_kv_indices): the pages that fit
};

}  // namespace advstep::variants
