// advance_step on the host: a check pass over every row, then a write pass.
#pragma once

#include "core/plan.hpp"
#include "core/row.hpp"

namespace advstep::cpu {

/// Runs a checked plan on host-addressable memory. Returns the first fault, in which case nothing
/// was written.
core::RowFault run(const core::Plan& plan);

}  // namespace advstep::cpu
