// Turns a row fault found by a kernel into the status the caller sees.
#pragma once

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "core/row.hpp"

namespace advstep::core {

/// kDataFault with a message naming the operator, the row and the values.
Status describe_fault(const Plan& plan, const RowFault& fault);

}  // namespace advstep::core
