// Runs a checked prepare-step plan where its tensors are: on the host, or on the CUDA device.
#pragma once

#include "advstep/steps.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::native {

/// Runs @p plan: on the host when !@p on_device (the call completes here; a data fault throws);
/// otherwise enqueued on @p stream, then with @p wait synchronised (a data fault throws here) or,
/// without, left to check_cuda_faults(). @throws Error.
void run_prepare_plan(const variants::PreparePlan& plan, bool on_device, Stream stream, bool wait);

}  // namespace advstep::native
