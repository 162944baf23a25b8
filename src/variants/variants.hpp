// THE list of operator variants. A plan holds one of these values and the kernels visit it; a new
// variant is its folder under src/variants/ plus one entry here (and its entry points).
// The order is core::Path's: a variant's index here is its Path.
#pragma once

#include <variant>

#include "variants/decode/decode_shape.hpp"
#include "variants/flashinfer/flashinfer_shape.hpp"
#include "variants/speculative/speculative_shape.hpp"

namespace advstep::variants {

using Shape = std::variant<DecodeShape, SpeculativeShape, FlashInferShape>;

}  // namespace advstep::variants
