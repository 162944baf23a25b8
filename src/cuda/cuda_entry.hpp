// What the rest of the library asks of the CUDA backend. Plain C++ (no CUDA headers): the CUDA
// build implements it in src/cuda/, a build without CUDA in src/cuda/absent/, so no other file
// needs to know which build it is part of.
#pragma once

#include <memory>
#include <string>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "core/tensor_desc.hpp"
#include "runtime/device_backend.hpp"

namespace advstep::cuda {

/// The ACL runtime's CUDA backend, or null with @p why_not set ("a build without the CUDA backend",
/// "cudaGetDeviceCount: cudaErrorNoDevice ...") when this build or machine cannot run one.
std::unique_ptr<runtime::DeviceBackend> make_backend(std::string& why_not);

/// Whether the native API can run on CUDA tensors: built with CUDA and a GPU visible.
bool available();

/// The native API's memory rule for a CUDA tensor: device (or managed) memory of a visible GPU,
/// on the same device as the first tensor checked in this call (@p device, -1 before the first).
Status check_native_tensor(const char* api, const char* name, const core::TensorDesc& tensor, int32_t& device);

/// Runs @p plan on the GPU holding its tensors, on @p stream (a cudaStream_t; null: the default
/// stream), then synchronises @p stream: a data fault comes back as kDataFault.
Status run_native(const core::Plan& plan, void* stream);

}  // namespace advstep::cuda
