// The one interface a checked plan runs through, whichever API built it: the C API's streams
// (runtime/cpu_backend.cpp) and the native API (native/device_memory.cpp) both ask the backend of
// the tensors' device whether it supports the plan, then run it there.
#pragma once

#include <cstdint>

#include "advstep/status.hpp"
#include "advstep/tensor_view.hpp"
#include "core/plan.hpp"

namespace advstep::backends {

/// Where and how one run goes.
struct RunTarget {
  int32_t gpu = -1;         ///< the GPU holding the tensors (CUDA); unused on the host
  void* stream = nullptr;   ///< a cudaStream_t (null: the legacy default stream); unused on the host
  bool synchronous = true;  ///< wait for the run, a data fault coming back as kDataFault
};

class Backend {
 public:
  virtual ~Backend() = default;
  /// "cpu" or "cuda", for messages.
  [[nodiscard]] virtual const char* name() const = 0;
  /// Ok when this backend has kernels for @p plan's variant and semantics; else kInvalidArgument
  /// naming the API, the variant and the backend. Asked before every run.
  [[nodiscard]] virtual Status supports(const core::Plan& plan) const = 0;
  /// Runs @p plan (checked, tensors on this backend's device). The host completes in the call; a GPU
  /// enqueues on target.stream and, when target.synchronous, waits and reports a data fault here,
  /// otherwise keeps it for its fault check. Nothing is written when a fault is found.
  virtual Status run(const core::Plan& plan, const RunTarget& target) = 0;
};

/// The backend of tensors on @p device (the host for Device::kCpu, the CUDA plugin for kCuda).
Backend& backend_for(Device device);

/// supports() then run(): what every API does with a checked plan.
Status run_supported(Backend& backend, const core::Plan& plan, const RunTarget& target);

/// The name of a plan's variant in messages: "decode", "speculative", "FlashInfer".
const char* variant_name(const core::Plan& plan);

}  // namespace advstep::backends
