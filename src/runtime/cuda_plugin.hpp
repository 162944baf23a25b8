// The boundary between libadvstep and its CUDA backend, which lives in a library of its own
// (libadvstep_cuda.so, beside libadvstep's file) so that libadvstep itself never needs libcudart:
// the same build loads and runs on a machine without CUDA, on the CPU.
//
// libadvstep dlopen()s the backend at its first device call and asks it for this table; nothing
// else crosses. Both sides are built from one source tree, so C++ types may cross, but a table from
// another release is refused by its version string.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "core/tensor_desc.hpp"
#include "runtime/device_backend.hpp"

namespace advstep::runtime {

/// What the CUDA backend library offers; see cuda/cuda_entry.hpp for each function's contract.
struct CudaPlugin {
  const char* version;  ///< kCudaPluginVersion of the build that made the library
  std::unique_ptr<DeviceBackend> (*make_backend)(std::string& why_not);
  bool (*available)();
  Status (*check_native_tensor)(const char* api, const char* name, const core::TensorDesc& tensor, int32_t& device);
  Status (*run_native)(const core::Plan& plan, int32_t gpu, void* stream, bool synchronous);
  Status (*check_native_faults)(int32_t gpu);
};

}  // namespace advstep::runtime

/// The library's one exported symbol, looked up by name (kCudaPluginEntry).
extern "C" const advstep::runtime::CudaPlugin* advstep_cuda_plugin();

namespace advstep::runtime {

/// Bumped whenever CudaPlugin or a type it passes changes; with the project version it must match.
#define ADVSTEP_CUDA_PLUGIN_INTERFACE "3"
inline constexpr const char* kCudaPluginVersion = "advstep " ADVSTEP_VERSION " cuda-plugin " ADVSTEP_CUDA_PLUGIN_INTERFACE;
inline constexpr const char* kCudaPluginEntry = "advstep_cuda_plugin";

}  // namespace advstep::runtime
