// CUDA errors as the library's statuses, and a scoped switch of the calling thread's GPU.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

#include "advstep/status.hpp"

namespace advstep::cuda {

/// The ACL runtime code nearest to @p error: 207001 out of memory, 207004 no usable device, 507015 a
/// fault of a kernel, 107000 an invalid argument, 507000 anything else.
StatusCode acl_code(cudaError_t error);

/// "what (expected cudaSuccess, got cudaErrorX: description)" under @p code. Also clears the
/// thread's last CUDA error, so that it cannot be mistaken later for a failure of another call.
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
