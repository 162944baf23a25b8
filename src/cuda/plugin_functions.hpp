// The CUDA backend library's implementations of cuda/cuda_entry.hpp, handed to libadvstep through
// the table of runtime/cuda_plugin.hpp. Named apart from the entry points libadvstep itself defines,
// so that neither library's calls can bind to the other's.
#pragma once

#include <memory>
#include <string>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "core/tensor_desc.hpp"
#include "runtime/device_backend.hpp"

namespace advstep::cuda {

/// The backend over the visible GPUs, or null with @p why_not: no GPU, or one without a kernel image.
std::unique_ptr<runtime::DeviceBackend> make_gpu_backend(std::string& why_not);

/// Whether a GPU is visible and every visible GPU can run this build's kernels (asked once).
bool gpus_runnable();

/// cuda::check_native_tensor().
Status check_gpu_tensor(const char* api, const char* name, const core::TensorDesc& tensor, int32_t& device);

/// cuda::run_native().
Status run_on_gpu_stream(const core::Plan& plan, int32_t device, void* stream, bool synchronous);

/// cuda::check_native_faults().
Status check_gpu_faults(int32_t device);

}  // namespace advstep::cuda
