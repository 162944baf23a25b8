#include "cuda/cuda_status.hpp"

namespace advstep::cuda {

bool is_sticky(cudaError_t error) {
  switch (error) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorAssert:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorHardwareStackError:
    case cudaErrorLaunchTimeout:
    case cudaErrorECCUncorrectable:
    case cudaErrorContextIsDestroyed:
      return true;
    default:
      return false;
  }
}

StatusCode acl_code(cudaError_t error) {
  if (is_sticky(error)) return kContextLost;
  switch (error) {
    case cudaErrorMemoryAllocation:
      return StatusCode::kRtMemoryAllocation;
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
    case cudaErrorNoKernelImageForDevice:
      return StatusCode::kRtNoDevice;
    case cudaErrorInvalidValue:
    case cudaErrorInvalidDevicePointer:
    case cudaErrorInvalidMemcpyDirection:
    case cudaErrorInvalidResourceHandle:
      return StatusCode::kRtParamInvalid;
    default:
      return StatusCode::kRtInternalError;
  }
}

Status failure(StatusCode code, const std::string& what, cudaError_t error) {
  (void)cudaGetLastError();
  std::string message = what + " (expected cudaSuccess, got " + cudaGetErrorName(error) + ": " + cudaGetErrorString(error) + ")";
  if (is_sticky(error)) {
    // Whatever the caller was doing, the context is gone: say so, under the one code that means it.
    return {kContextLost, message + "; the GPU's CUDA context is lost: every later call on it fails, so the "
                                    "process must be restarted"};
  }
  return {code, message};
}

Status failure(const std::string& what, cudaError_t error) { return failure(acl_code(error), what, error); }

DeviceGuard::DeviceGuard(int32_t device) {
  error_ = cudaGetDevice(&previous_);
  if (error_ != cudaSuccess || previous_ == device) return;
  error_ = cudaSetDevice(device);
  switched_ = error_ == cudaSuccess;
}

DeviceGuard::~DeviceGuard() {
  if (switched_) (void)cudaSetDevice(previous_);
}

}  // namespace advstep::cuda
