// Runs a checked prepare-step plan where its tensors are: on the host, or on the CUDA device.
#pragma once

#include <vector>

#include "advstep/steps.hpp"
#include "variants/prepare/argument_rules.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::native {

/// Runs @p plan: on the host when !@p on_device (the call completes here; a data fault throws);
/// otherwise, once each of @p tensors passed the native memory rule of CUDA tensors, on the GPU on
/// @p stream, with @p wait synchronised (a data fault throws here). @throws Error.
void run_prepare_plan(const variants::PreparePlan& plan, const std::vector<variants::Named>& tensors, bool on_device,
                      Stream stream, bool wait);

}  // namespace advstep::native
