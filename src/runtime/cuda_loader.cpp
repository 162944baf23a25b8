// cuda/cuda_entry.hpp for libadvstep: loads the CUDA backend library from the directory of
// libadvstep's own file (not the search path, so that a copy from another install never answers)
// and forwards to it. A build without CUDA, a missing library or a missing libcudart all leave the
// backend absent, with the reason, and libadvstep runs on the CPU.
#include <dlfcn.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "core/message.hpp"
#include "cuda/cuda_entry.hpp"
#include "runtime/cuda_plugin.hpp"

namespace advstep::cuda {
namespace {

struct Loaded {
  const runtime::CudaPlugin* plugin = nullptr;
  std::string why_not;  ///< when plugin is null
};

#ifdef ADVSTEP_CUDA_PLUGIN_FILE
/// The directory holding libadvstep's real file (links resolved), with a trailing '/'.
bool own_directory(std::string& directory, std::string& why_not) {
  Dl_info info{};
  // Any address inside libadvstep names it; this function's own is the simplest.
  if (dladdr(reinterpret_cast<const void*>(&own_directory), &info) == 0 || info.dli_fname == nullptr) {
    why_not = "dladdr could not name libadvstep's file";
    return false;
  }
  char resolved[PATH_MAX];
  if (realpath(info.dli_fname, resolved) == nullptr) {
    why_not = core::concat("realpath(", info.dli_fname, ") failed");
    return false;
  }
  directory = resolved;
  directory.erase(directory.find_last_of('/') + 1);
  return true;
}
#endif

Loaded load() {
#ifndef ADVSTEP_CUDA_PLUGIN_FILE
  return {nullptr, "a build without the CUDA backend (configure with -DADVSTEP_CUDA=ON)"};
#else
  Loaded loaded;
  std::string directory;
  if (!own_directory(directory, loaded.why_not)) return loaded;
  const std::string path = directory + ADVSTEP_CUDA_PLUGIN_FILE;
  // RTLD_LOCAL: the backend's symbols (and libcudart's) stay out of the process's global scope.
  void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* error = dlerror();
    loaded.why_not = core::concat("the CUDA backend library did not load: ", error == nullptr ? path.c_str() : error);
    return loaded;
  }
  // Kept loaded for the process: backends, queues and kernels live in it.
  const auto entry =
      reinterpret_cast<const runtime::CudaPlugin* (*)()>(dlsym(library, runtime::kCudaPluginEntry));
  if (entry == nullptr) {
    loaded.why_not = core::concat(path, " is not an advstep CUDA backend (no ", runtime::kCudaPluginEntry, ")");
    return loaded;
  }
  const runtime::CudaPlugin* plugin = entry();
  if (plugin == nullptr || std::string(plugin->version) != runtime::kCudaPluginVersion) {
    loaded.why_not = core::concat(path, " belongs to another build (expected \"", runtime::kCudaPluginVersion,
                                  "\", got \"", plugin == nullptr ? "nothing" : plugin->version, "\")");
    return loaded;
  }
  loaded.plugin = plugin;
  return loaded;
#endif
}

const Loaded& loaded() {
  static const Loaded result = load();
  return result;
}

}  // namespace

bool built() {
#ifdef ADVSTEP_CUDA_PLUGIN_FILE
  return true;
#else
  return false;
#endif
}

std::unique_ptr<runtime::DeviceBackend> make_backend(std::string& why_not) {
  const Loaded& backend = loaded();
  if (backend.plugin == nullptr) {
    why_not = backend.why_not;
    return nullptr;
  }
  return backend.plugin->make_backend(why_not);
}

bool available() {
  const Loaded& backend = loaded();
  return backend.plugin != nullptr && backend.plugin->available();
}

Status check_native_tensor(const char* api, const char* name, const core::TensorDesc& tensor, int32_t& device) {
  const Loaded& backend = loaded();
  if (backend.plugin != nullptr) return backend.plugin->check_native_tensor(api, name, tensor, device);
  return core::fail(StatusCode::kInvalidArgument, api, core::concat(name, " is a CUDA tensor, but ", backend.why_not),
                    "a cpu tensor", "cuda");
}

bool supports(const core::Plan& plan) {
  // The CUDA kernels of this source tree (cuda/advance_step_kernels.cu, variants/*/*.cu) cover every
  // variant under every semantics: the plugin's launch visits them all.
  (void)plan;
  return true;
}

Status run_native(const core::Plan& plan, int32_t gpu, void* stream, bool synchronous) {
  const Loaded& backend = loaded();
  if (backend.plugin != nullptr) return backend.plugin->run_native(plan, gpu, stream, synchronous);
  return {StatusCode::kRuntimeError, core::concat(plan.api, ": no CUDA backend: ", backend.why_not)};
}

Status check_native_faults(int32_t gpu) {
  const Loaded& backend = loaded();
  if (backend.plugin != nullptr && backend.plugin->available()) return backend.plugin->check_native_faults(gpu);
  return {StatusCode::kInvalidArgument,
          core::concat("advstep::check_cuda_faults: no usable GPU (",
                       backend.plugin == nullptr ? backend.why_not : std::string("none visible or runnable"), ")")};
}

}  // namespace advstep::cuda
