// Whether a machine has a GPU for the GPU tests: shared by the test base (GpuTest), the probe that
// lets CTest entries skip, and their host-side tests. Only a machine with truly no GPU skips; a GPU
// machine whose CUDA fails (a broken driver, a lost device, too old a driver) fails the tests, so a
// failure of CUDA is never reported as "no GPU". ADVSTEP_REQUIRE_GPU=1 makes "no GPU" a failure too,
// for the runs that exist to exercise a GPU.
#pragma once

#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace advstep::testing {

/// What the GPU tests do on this machine.
enum class GpuPresence {
  kPresent,  ///< run
  kAbsent,   ///< skip (77 for CTest), unless ADVSTEP_REQUIRE_GPU=1
  kBroken,   ///< fail: there is a GPU (or a driver), and CUDA failed
};

struct GpuVerdict {
  GpuPresence presence;
  std::string why;  ///< for kAbsent and kBroken: what CUDA answered
};

/// Pure, for the host tests: @p error and @p count are what cudaGetDeviceCount answered,
/// @p driver_installed whether the driver library (libcuda.so.1) loads. Without a driver, cudart
/// answers cudaErrorInsufficientDriver: that is no GPU; with one, it is a driver too old for this
/// cudart, a failure.
inline GpuVerdict classify_gpu_presence(cudaError_t error, int count, bool driver_installed) {
  if (error == cudaSuccess) {
    if (count > 0) return {GpuPresence::kPresent, {}};
    return {GpuPresence::kAbsent, "cudaGetDeviceCount: 0 devices"};
  }
  const std::string answer = std::string("cudaGetDeviceCount: ") + cudaGetErrorName(error);
  if (error == cudaErrorNoDevice) return {GpuPresence::kAbsent, answer};
  if (error == cudaErrorInsufficientDriver && !driver_installed) {
    return {GpuPresence::kAbsent, answer + " (no NVIDIA driver installed: libcuda.so.1 does not load)"};
  }
  return {GpuPresence::kBroken, answer + ": " + cudaGetErrorString(error) + " (a CUDA failure, not a missing GPU)"};
}

/// Whether the NVIDIA driver library loads (it is only looked up: loaded and released at once).
inline bool nvidia_driver_installed() {
  void* driver = ::dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
  if (driver == nullptr) driver = ::dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (driver == nullptr) return false;
  ::dlclose(driver);
  return true;
}

/// This machine's verdict (asks CUDA; clears the error it may leave).
inline GpuVerdict probe_gpu_presence() {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) (void)cudaGetLastError();
  return classify_gpu_presence(error, count, error == cudaErrorInsufficientDriver && nvidia_driver_installed());
}

/// ADVSTEP_REQUIRE_GPU=1: a machine without a GPU fails the GPU tests instead of skipping them.
inline bool gpu_required() {
  const char* value = std::getenv("ADVSTEP_REQUIRE_GPU");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

}  // namespace advstep::testing
