// runtime::cuda_plugin() for libadvstep: loads the CUDA backend library from the directory of
// libadvstep's own file (not the search path, so that a copy from another install never answers) and
// hands out its table. A build without CUDA, a missing library or a missing libcudart all leave the
// backend absent: then the table of this file answers every entry with the reason, and libadvstep
// runs on the CPU.
#include <dlfcn.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "core/message.hpp"
#include "runtime/cuda_plugin.hpp"

namespace advstep::runtime {
namespace {

struct Loaded {
  const CudaPlugin* plugin = nullptr;
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
  const auto entry = reinterpret_cast<const CudaPlugin* (*)()>(dlsym(library, kCudaPluginEntry));
  if (entry == nullptr) {
    loaded.why_not = core::concat(path, " is not an advstep CUDA backend (no ", kCudaPluginEntry, ")");
    return loaded;
  }
  const CudaPlugin* plugin = entry();
  if (plugin == nullptr || std::string(plugin->version) != kCudaPluginVersion) {
    loaded.why_not = core::concat(path, " belongs to another build (expected \"", kCudaPluginVersion, "\", got \"",
                                  plugin == nullptr ? "nothing" : plugin->version, "\")");
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

// The table when no backend is loaded: each entry says why (the loader's reason).
std::unique_ptr<DeviceBackend> absent_backend(std::string& why_not) {
  why_not = loaded().why_not;
  return nullptr;
}

bool absent_available() {
  return false;
}

Status absent_check_native_tensor(const char* api, const char* name, const core::TensorDesc& /*tensor*/,
                                  int32_t& /*device*/) {
  return core::fail(StatusCode::kInvalidArgument, api, core::concat(name, " is a CUDA tensor, but ", loaded().why_not),
                    "a cpu tensor", "cuda");
}

Status absent_run_native(const core::Plan& plan, int32_t /*gpu*/, void* /*stream*/, bool /*synchronous*/) {
  return {StatusCode::kRuntimeError, core::concat(plan.api, ": no CUDA backend: ", loaded().why_not)};
}

Status absent_run_post_update(const variants::PostUpdatePlan& /*plan*/, int32_t /*gpu*/, void* /*stream*/,
                              bool /*synchronous*/) {
  return {StatusCode::kRuntimeError, core::concat("advstep::post_update: no CUDA backend: ", loaded().why_not)};
}

Status absent_check_native_faults(int32_t /*gpu*/) {
  return {StatusCode::kInvalidArgument,
          core::concat("advstep::check_cuda_faults: no usable GPU (", loaded().why_not, ")")};
}

Status absent_run_prepare(const variants::PreparePlan& /*plan*/, int32_t /*gpu*/, void* /*stream*/,
                          bool /*synchronous*/) {
  return {StatusCode::kRuntimeError, core::concat("advstep: the prepare step: no CUDA backend: ", loaded().why_not)};
}

// A loaded backend's fault check, asked only when a GPU can run (else there is no device to wait for).
Status runnable_check_native_faults(int32_t gpu) {
  const CudaPlugin& backend = *loaded().plugin;
  if (backend.available()) return backend.check_native_faults(gpu);
  return {StatusCode::kInvalidArgument, "advstep::check_cuda_faults: no usable GPU (none visible or runnable)"};
}

}  // namespace

const CudaPlugin& cuda_plugin() {
  static const CudaPlugin table = [] {
    const Loaded& backend = loaded();
    if (backend.plugin == nullptr) {
      return CudaPlugin{kCudaPluginVersion,         absent_backend,    absent_available,
                        absent_check_native_tensor, absent_run_native, absent_check_native_faults,
                        absent_run_post_update,
                        absent_run_prepare};
    }
    CudaPlugin loaded_table = *backend.plugin;
    loaded_table.check_native_faults = runnable_check_native_faults;
    return loaded_table;
  }();
  return table;
}

bool cuda_plugin_built() {
#ifdef ADVSTEP_CUDA_PLUGIN_FILE
  return true;
#else
  return false;
#endif
}

}  // namespace advstep::runtime
