// The ACL runtime on CUDA GPUs: device i is GPU i, aclrtMalloc is cudaMalloc, streams are CUDA streams.
#include <cuda_runtime_api.h>

#include <string>
#include <utility>
#include <vector>

#include "cuda/cuda_event.hpp"
#include "cuda/cuda_memory.hpp"
#include "cuda/cuda_queue.hpp"
#include "cuda/cuda_status.hpp"
#include "cuda/kernel_images.hpp"
#include "cuda/launch.hpp"
#include "cuda/plugin_functions.hpp"

namespace advstep::cuda {
namespace {

struct GpuInfo {
  std::string name;    ///< cudaDeviceProp::name, e.g. "NVIDIA H100 80GB HBM3"
  int32_t multiprocessors;  ///< SMs: the two-pass kernels' grid is a multiple of them
};

class CudaBackend final : public runtime::DeviceBackend {
 public:
  explicit CudaBackend(std::vector<GpuInfo> gpus) : gpus_(std::move(gpus)) {}

  [[nodiscard]] const char* name() const override { return "cuda"; }
  [[nodiscard]] uint32_t device_count() const override { return static_cast<uint32_t>(gpus_.size()); }

  [[nodiscard]] const char* soc_name(int32_t device) const override {
    return gpus_[static_cast<size_t>(device)].name.c_str();
  }

  Status set_device(int32_t device) override {
    if (cudaError_t e = cudaSetDevice(device); e != cudaSuccess) return failure("cudaSetDevice failed", e);
    return {};
  }

  void* allocate(size_t size, runtime::MemoryKind kind, int32_t device) override {
    // On the runtime's device, whatever CUDA's current device is (a caller's cudaSetDevice).
    const DeviceGuard guard(device);
    if (guard.error() != cudaSuccess) {
      (void)cudaGetLastError();
      return nullptr;
    }
    void* address = nullptr;
    const cudaError_t error =
        kind == runtime::MemoryKind::kDevice ? cudaMalloc(&address, size) : cudaMallocHost(&address, size);
    if (error != cudaSuccess) {
      (void)cudaGetLastError();  // reported as ACL_ERROR_RT_MEMORY_ALLOCATION by the caller; must not resurface elsewhere
      return nullptr;
    }
    return address;
  }

  void deallocate(void* address, runtime::MemoryKind kind) override {
    const cudaError_t error = kind == runtime::MemoryKind::kDevice ? cudaFree(address) : cudaFreeHost(address);
    if (error != cudaSuccess) (void)cudaGetLastError();  // the block is forgotten either way
  }

  Status copy(void* dst, const void* src, size_t count, runtime::CopyDirection direction) override {
    return cuda::copy(dst, src, count, direction, false, nullptr);
  }

  Status fill(void* dst, int32_t value, size_t count) override { return cuda::fill(dst, value, count, false, nullptr); }

  Status create_queue(int32_t device, bool default_stream, std::unique_ptr<runtime::DeviceQueue>& queue) override {
    // The runtime's device, not CUDA's current one: a caller's own cudaSetDevice must not move it.
    if (device < 0 || static_cast<size_t>(device) >= gpus_.size()) {
      return failure(StatusCode::kRuntimeError, "the runtime's device is not a visible GPU", cudaErrorInvalidDevice);
    }
    const DeviceGuard guard(device);
    if (guard.error() != cudaSuccess) return failure("cudaSetDevice failed", guard.error());
    return CudaQueue::create(device, default_stream, gpus_[static_cast<size_t>(device)].multiprocessors, queue);
  }

  Status create_event(int32_t device, bool timing, std::unique_ptr<runtime::DeviceEvent>& event) override {
    return cuda::create_event(device, timing, event);
  }

  Status memory_info(int32_t device, size_t& free, size_t& total) override {
    return cuda::memory_info(device, free, total);
  }

  [[nodiscard]] bool supports_deferred() const override { return false; }

 private:
  std::vector<GpuInfo> gpus_;
};

std::string error_text(const char* call, cudaError_t error) {
  (void)cudaGetLastError();
  return std::string(call) + ": " + cudaGetErrorName(error) + ": " + cudaGetErrorString(error);
}

/// cudaSuccess when GPU @p device (named @p properties) can run this build's kernels, else why not
/// in @p why_not. Told from the compute capability when the build has code of the GPU's major
/// version: no context is created, so choosing the backend costs no GPU memory. Otherwise (a newer
/// GPU that could only JIT-compile older PTX, or none at all) the GPU itself is asked with
/// cudaFuncGetAttributes, which needs its context: only that GPU pays it.
bool runnable(int device, const cudaDeviceProp& properties, std::string& why_not) {
  if (has_native_image(built_architectures(), properties.major, properties.minor)) return true;
  const std::string gpu = "GPU " + std::to_string(device) + ", " + properties.name + ", sm_" +
                          std::to_string(properties.major) + std::to_string(properties.minor);
  const DeviceGuard guard(device);
  if (guard.error() != cudaSuccess) {
    why_not = error_text("cudaSetDevice", guard.error()) + " (" + gpu + ", while checking its kernel image)";
    return false;
  }
  if (cudaError_t image = probe_kernel_image(); image != cudaSuccess) {
    why_not = error_text("cudaFuncGetAttributes", image) + " (" + gpu +
              ": this build has no kernel image it can run; rebuild with CMAKE_CUDA_ARCHITECTURES including it)";
    return false;
  }
  return true;
}

/// The visible GPUs, or empty with @p why_not. Any GPU the build cannot run makes the backend
/// unusable (the runtime's device numbers are CUDA's, so none can be left out), with that GPU's reason.
std::vector<GpuInfo> visible_gpus(std::string& why_not) {
  int count = 0;
  if (cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
    why_not = error_text("cudaGetDeviceCount", e);
    return {};
  }
  if (count == 0) {
    why_not = "cudaGetDeviceCount: 0 devices";
    return {};
  }
  std::vector<GpuInfo> gpus;
  for (int device = 0; device < count; ++device) {
    cudaDeviceProp properties{};  // no context needed
    if (cudaError_t e = cudaGetDeviceProperties(&properties, device); e != cudaSuccess) {
      why_not = error_text("cudaGetDeviceProperties", e) + " (GPU " + std::to_string(device) + ")";
      return {};
    }
    // A GPU the library has no code for would fail every launch: refuse it here, once.
    if (!runnable(device, properties, why_not)) return {};
    gpus.push_back({properties.name, properties.multiProcessorCount});
  }
  return gpus;
}

}  // namespace

std::unique_ptr<runtime::DeviceBackend> make_gpu_backend(std::string& why_not) {
  std::vector<GpuInfo> gpus = visible_gpus(why_not);
  if (gpus.empty()) return nullptr;
  return std::make_unique<CudaBackend>(std::move(gpus));
}

bool gpus_runnable() {
  static const bool visible = [] {
    std::string why_not;
    return !visible_gpus(why_not).empty();
  }();
  return visible;
}

}  // namespace advstep::cuda
