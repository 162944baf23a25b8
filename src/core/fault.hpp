// Turns a row fault found by a kernel into the status the caller sees.
#pragma once

#include <string>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "core/row.hpp"

namespace advstep::core {

/// What a message says about a fault: the rule broken with its values, the bound, the value.
struct Explanation {
  std::string what;
  std::string expected;
  std::string got;
};

/// The FlashInfer variant's own faults (variants/flashinfer/flashinfer_fault.cpp); false for others.
bool explain_flashinfer_fault(const Plan& plan, const RowFault& fault, Explanation& explanation);

/// kDataFault with a message naming the operator, the row and the values.
Status describe_fault(const Plan& plan, const RowFault& fault);

}  // namespace advstep::core
