// The FlashInfer step on the host.
#pragma once

#include "core/plan.hpp"
#include "core/row.hpp"

namespace advstep::variants {

/// Runs a checked FlashInfer plan on host memory: a check pass over every query row, the prefix sum
/// with its bounds, then the write pass. Returns the first fault, in which case nothing was written.
core::RowFault run_flashinfer_cpu(const core::Plan& plan, const FlashInferShape& shape);

}  // namespace advstep::variants
