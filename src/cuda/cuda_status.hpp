// CUDA errors as the library's statuses, and a scoped switch of the calling thread's GPU.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

#include "advstep/status.hpp"

namespace advstep::cuda {

/// ACL_ERROR_RT_DRV_INTERNAL_ERROR: the GPU's CUDA context is lost (a sticky error). Data faults of
/// advance_step never take this path: the kernels check every row and report through their fault
/// record (ACL_ERROR_RT_AICORE_EXCEPTION); a sticky error means the device itself faulted, and nothing on it runs again.
inline constexpr auto kContextLost = StatusCode::kRtDrvInternalError;

/// Whether @p error is one of CUDA's sticky errors, after which the context cannot be used.
bool is_sticky(cudaError_t error);

/// The ACL runtime code nearest to @p error: ACL_ERROR_RT_DRV_INTERNAL_ERROR a sticky error (the
/// context is lost), ACL_ERROR_RT_MEMORY_ALLOCATION out of memory, ACL_ERROR_RT_NO_DEVICE no usable
/// device (or no kernel image for it), ACL_ERROR_RT_PARAM_INVALID an invalid argument,
/// ACL_ERROR_RT_INTERNAL_ERROR anything else.
StatusCode acl_code(cudaError_t error);

/// "what (expected cudaSuccess, got cudaErrorX: description)" under @p code; a sticky error instead
/// gets kContextLost and a message saying the context is lost, whatever @p code was. Also clears the
/// thread's last CUDA error (where it can be cleared), so that it cannot be mistaken later for a
/// failure of another call.
Status failure(StatusCode code, const std::string& what, cudaError_t error);

/// failure() under acl_code(@p error).
Status failure(const std::string& what, cudaError_t error);

/// Makes @p device the calling thread's GPU for the guard's lifetime (a kernel must be launched
/// from its stream's device); a no-op when it already is.
class DeviceGuard {
 public:
  explicit DeviceGuard(int32_t device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

  /// cudaSuccess, or why the switch failed.
  [[nodiscard]] cudaError_t error() const { return error_; }

 private:
  int previous_ = -1;
  bool switched_ = false;
  cudaError_t error_ = cudaSuccess;
};

}  // namespace advstep::cuda
