// Enqueues advance_step on a CUDA stream: the host side of the kernels.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <functional>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "cuda/fault_record.hpp"
#include "variants/prepare/post_update_plan.hpp"

namespace advstep::cuda {

/// Where a launch goes.
struct LaunchTarget {
  cudaStream_t stream;   ///< null: the legacy default stream
  FaultRecord* record;   ///< device memory on the stream's GPU, used by one stream at a time
  int32_t multiprocessors;  ///< the GPU's SMs: the two-pass grid is capped at what they hold at once
};

/// Enqueues @p plan (checked, tensors on the current GPU) on @p target.stream. Up to 4096 rows
/// (cells on the speculative path) run as one single-block kernel that checks every row, then
/// writes; larger plans run a check kernel and a write kernel that writes nothing when the check
/// found a fault. A fault is kept in @p target.record for the host to read after synchronising.
/// Allocates nothing and never synchronises, so it can be captured in a CUDA graph.
/// @return ok, or kRuntimeError when a launch was refused (the message names the CUDA error).
Status launch(const core::Plan& plan, const LaunchTarget& target);

/// The FlashInfer step (variants/flashinfer/flashinfer_cuda.cu): the same contract as launch().
Status launch_flashinfer(const core::Plan& plan, const variants::FlashInferShape& shape, const LaunchTarget& target);

/// post_update (variants/prepare/post_update_cuda.cu): the same contract as launch().
Status launch_post_update(const variants::PostUpdatePlan& plan, const LaunchTarget& target);

/// One call's kernels onto a target: launch() of a plan, or another operation's launch.
using Launcher = std::function<Status(const LaunchTarget& target)>;

/// cudaSuccess when the current GPU can run this build's kernels; cudaErrorNoKernelImageForDevice
/// when the library holds no code for its architecture (neither its SASS nor PTX it can compile).
cudaError_t probe_kernel_image();

}  // namespace advstep::cuda
