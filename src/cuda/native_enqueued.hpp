// The native API's enqueued form on CUDA tensors (advance_step_async): the kernels go on the
// caller's stream with no synchronisation, so the call can be captured into a CUDA graph, and a data
// fault is kept until check_gpu_faults() (cuda/plugin_functions.hpp) reports it.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "cuda/launch.hpp"

namespace advstep::cuda {

/// Enqueues @p plan (checked, tensors on @p device, the current GPU) on @p stream. An eager launch
/// keeps its fault in the record of the stream @p stream names (by cudaStreamGetId: every thread's
/// cudaStreamPerThread is a stream of its own); a launch being captured gets a record
/// of its own, kept for the process, so replays anywhere never share a verdict or touch freed memory.
/// Allocates only the first time a stream is used, or a chunk of 64 records per 64 captures.
Status enqueue_on_gpu_stream(const core::Plan& plan, cudaStream_t stream, int32_t device);

/// The same for any operation's kernels: @p launcher enqueues them on the target it is given; @p api
/// names the operation in a runtime error.
Status enqueue_launcher(const char* api, const Launcher& launcher, cudaStream_t stream, int32_t device);

// check_gpu_faults (the plugin's check_native_faults, cuda/plugin_functions.hpp) is defined beside
// it, in native_enqueued.cpp: it collects the records this form keeps.

}  // namespace advstep::cuda
