// The prepare step on a GPU (prepare_cuda.cu), part of the CUDA backend library.
#pragma once

#include "advstep/status.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::variants {

/// Runs a checked @p plan whose tensors are on the current GPU on @p stream (a cudaStream_t) and
/// waits for it: ok, kDataFault (nothing written, the message the host loop would give) or
/// kRuntimeError (a CUDA call failed).
Status run_prepare_on_gpu(const PreparePlan& plan, void* stream);

}  // namespace advstep::variants
