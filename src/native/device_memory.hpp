// Where the native API's tensors may live, and how a plan runs there.
#pragma once

#include <cstdint>

#include "advstep/status.hpp"
#include "advstep/tensor_view.hpp"
#include "core/plan.hpp"

namespace advstep::native {

/// The memory rule of one native call: every tensor on @p device. The CPU takes any host address;
/// CUDA tensors must be GPU memory (device or managed), all on one GPU. Keeps that GPU between
/// checks, so each call makes its own.
class NativeMemory final : public core::MemoryDomain {
 public:
  explicit NativeMemory(Device device) : device_(device) {}

  [[nodiscard]] Status check(const char* api, const char* name, const core::TensorDesc& tensor,
                             int64_t bytes) const override;

  /// The GPU of the CUDA tensors checked so far (-1 before the first, and for the CPU).
  [[nodiscard]] int32_t gpu() const { return gpu_; }

 private:
  Device device_;
  mutable int32_t gpu_ = -1;  ///< the GPU of the CUDA tensors checked so far
};

/// Runs @p plan on @p device: on a GPU, enqueues the kernels on @p stream (a cudaStream_t; null: the
/// default stream) and, when @p synchronous, synchronises it, a data fault coming back as kDataFault;
/// otherwise a fault waits for the CUDA plugin's check_native_faults (runtime/cuda_plugin.hpp). The CPU always completes in the call.
/// @p memory is the domain that checked the plan's tensors (it knows their GPU).
Status execute(const core::Plan& plan, const NativeMemory& memory, Device device, void* stream, bool synchronous);

}  // namespace advstep::native
