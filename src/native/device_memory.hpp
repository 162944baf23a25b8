// Where the native API's tensors may live, and how a plan runs there.
#pragma once

#include "advstep/status.hpp"
#include "advstep/tensor_view.hpp"
#include "core/plan.hpp"

namespace advstep::native {

/// Accepts tensors on @p device (and only there); the CPU accepts any host address.
const core::MemoryDomain& memory_domain(Device device);

/// Runs @p plan on @p device and waits for it; a data fault comes back as kDataFault.
Status execute(const core::Plan& plan, Device device, void* stream);

}  // namespace advstep::native
