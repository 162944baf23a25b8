// What the rest of libadvstep asks of the CUDA backend. Plain C++ (no CUDA headers): libadvstep
// implements it in runtime/cuda_loader.cpp by loading the backend library (libadvstep_cuda.so)
// at the first call, so that libadvstep links no CUDA library and runs where none is installed.
#pragma once

#include <memory>
#include <string>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "core/tensor_desc.hpp"
#include "runtime/device_backend.hpp"

namespace advstep::cuda {

/// Whether this build has a CUDA backend (configured with ADVSTEP_CUDA on), loadable or not.
bool built();

/// The ACL runtime's CUDA backend, or null with @p why_not set ("a build without the CUDA backend",
/// "dlopen: libcudart.so.13: cannot open shared object file ...", "cudaGetDeviceCount: ...",
/// "GPU 0 ... has no kernel image ...") when this build or machine cannot run one.
std::unique_ptr<runtime::DeviceBackend> make_backend(std::string& why_not);

/// Whether the native API can run on CUDA tensors: the backend loaded, a GPU visible and runnable.
bool available();

/// The native API's memory rule for a CUDA tensor: device (or managed) memory of a visible GPU,
/// on the same device as the first tensor checked in this call (@p device, -1 before the first).
Status check_native_tensor(const char* api, const char* name, const core::TensorDesc& tensor, int32_t& device);

/// Whether the CUDA kernels cover @p plan's variant and semantics (backends::Backend::supports).
bool supports(const core::Plan& plan);

/// Runs @p plan on GPU @p gpu, which holds its tensors (as check_native_tensor found), on @p stream (a cudaStream_t; null: the default
/// stream). @p synchronous: then synchronises @p stream, and a data fault comes back as kDataFault
/// (refused with kInvalidArgument on a stream being captured). Otherwise only enqueues (capturable),
/// and check_native_faults() reports a data fault later.
Status run_native(const core::Plan& plan, int32_t gpu, void* stream, bool synchronous);

/// Waits for GPU @p gpu and reports the first data fault of the enqueued form there since the last
/// check (kDataFault, later ones counted), or ok.
Status check_native_faults(int32_t gpu);

}  // namespace advstep::cuda
