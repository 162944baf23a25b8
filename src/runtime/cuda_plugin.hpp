// The boundary between libadvstep and its CUDA backend, declared once: the table below is the whole
// interface. The backend lives in a library of its own (libadvstep_cuda.so, beside libadvstep's
// file) so that libadvstep itself never needs libcudart: the same build loads and runs on a machine
// without CUDA, on the CPU.
//
// libadvstep dlopen()s the backend at its first device call and asks it for this table (the
// library's one exported symbol); nothing else crosses. Both libraries are built from one source
// tree, so C++ types may cross, but a table from another release is refused by its version string.
// Neither library exports its internals: the backend carries its own copy of the (stateless) core
// it needs, and libadvstep reaches the backend only through these pointers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "core/tensor_desc.hpp"
#include "runtime/device_backend.hpp"

namespace advstep::variants {
struct PostUpdatePlan;  // variants/prepare/post_update_plan.hpp
struct PreparePlan;     // variants/prepare/prepare_plan.hpp
}  // namespace advstep::variants

namespace advstep::runtime {

/// What the CUDA backend offers. Two implementations fill it: the backend library's (the GPUs) and
/// libadvstep's own when no backend is loaded (each entry says why; see cuda_plugin()).
struct CudaPlugin {
  /// The ACL runtime's CUDA backend, or null with @p why_not set ("a build without the CUDA backend",
  /// "dlopen: libcudart.so.13: cannot open shared object file ...", "cudaGetDeviceCount: ...",
  /// "GPU 0 ... has no kernel image ...") when this build or machine cannot run one.
  using MakeBackend = std::unique_ptr<DeviceBackend>(std::string& why_not);
  /// Whether the native API can run on CUDA tensors: a GPU visible, and every visible GPU able to
  /// run this build's kernels (asked once).
  using Available = bool();
  /// The native API's memory rule for a CUDA tensor: device (or managed) memory of a visible GPU,
  /// on the same device as the first tensor checked in this call (@p device, -1 before the first).
  using CheckNativeTensor = Status(const char* api, const char* name, const core::TensorDesc& tensor, int32_t& device);
  /// Runs @p plan on GPU @p gpu, which holds its tensors (as check_native_tensor found), on
  /// @p stream (a cudaStream_t; null: the default stream). @p synchronous: then synchronises
  /// @p stream, and a data fault comes back as kDataFault (refused with kInvalidArgument on a stream
  /// being captured). Otherwise only enqueues (capturable), and check_native_faults reports a data
  /// fault later.
  using RunNative = Status(const core::Plan& plan, int32_t gpu, void* stream, bool synchronous);
  /// Waits for GPU @p gpu and reports the first data fault of the enqueued form there since the last
  /// check (kDataFault, later ones counted), or ok.
  using CheckNativeFaults = Status(int32_t gpu);
  /// Runs a checked post_update plan (the prepare step's state update) on GPU @p gpu, which holds its
  /// tensors, on @p stream, as RunNative runs an advance_step plan (the same records and reports).
  using RunPostUpdate = Status(const variants::PostUpdatePlan& plan, int32_t gpu, void* stream, bool synchronous);
  /// Runs a checked prepare-step @p plan (prepare_inputs or advance_drafts) on GPU @p gpu, which holds
  /// its tensors (as check_native_tensor found), on @p stream, as RunNative does.
  using RunPrepare = Status(const variants::PreparePlan& plan, int32_t gpu, void* stream, bool synchronous);

  const char* version;  ///< kCudaPluginVersion of the build that made the table
  MakeBackend* make_backend;
  Available* available;
  CheckNativeTensor* check_native_tensor;
  RunNative* run_native;
  CheckNativeFaults* check_native_faults;
  RunPostUpdate* run_post_update;
  RunPrepare* run_prepare;
};

/// Bumped whenever CudaPlugin or a type it passes changes; with the project version it must match.
#define ADVSTEP_CUDA_PLUGIN_INTERFACE "5"
inline constexpr const char* kCudaPluginVersion =
    "advstep " ADVSTEP_VERSION " cuda-plugin " ADVSTEP_CUDA_PLUGIN_INTERFACE;
inline constexpr const char* kCudaPluginEntry = "advstep_cuda_plugin";

/// libadvstep's side (runtime/cuda_loader.cpp): the backend library's table, loaded at the first
/// call from the directory of libadvstep's own file; or, in a build without CUDA or where the
/// library does not load, a table whose entries refuse with the reason. Never null.
const CudaPlugin& cuda_plugin();

/// Whether this build has a CUDA backend (configured with ADVSTEP_CUDA on), loadable or not.
bool cuda_plugin_built();

}  // namespace advstep::runtime

/// The backend library's side: its one exported symbol, looked up by name (kCudaPluginEntry).
extern "C" const advstep::runtime::CudaPlugin* advstep_cuda_plugin();
