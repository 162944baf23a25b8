// The independent oracle of the Ascend semantics (spec section 6), read off ops-nn's kernels and
// written here again in plain loops: 128-bit arithmetic reduced modulo 2^64 or 2^32 where the
// kernels wrap, the argmin through std::min_element. It shares nothing with src/.
#pragma once

#include <cstdint>

#include "oracle/reference.hpp"

namespace advstep::oracle {

/// What the Ascend kernels produce for @p inputs on an NPU with @p cores vector cores. The plain
/// path (spec_num == 0) is the V1 kernel, which needs N > Q; the speculative path the V2 kernel. With
/// @p row_bound a block index outside [0, W) is a fault (kBlockOutsideRow). A read the kernels would
/// make outside block_tables, or before a sampled row, is a fault.
Expected ascend_reference_advance_step(const StepInputs& inputs, int64_t cores, bool row_bound);

}  // namespace advstep::oracle
