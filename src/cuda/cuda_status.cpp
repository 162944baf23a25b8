#include "cuda/cuda_status.hpp"

namespace advstep::cuda {

StatusCode acl_code(cudaError_t error) {
  switch (error) {
    case cudaErrorMemoryAllocation:
      return static_cast<StatusCode>(207001);  // ACL_ERROR_RT_MEMORY_ALLOCATION
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
      return static_cast<StatusCode>(207004);  // ACL_ERROR_RT_NO_DEVICE
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorAssert:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorHardwareStackError:
    case cudaErrorLaunchTimeout:
      return StatusCode::kDataFault;  // ACL_ERROR_RT_AICORE_EXCEPTION: the device faulted
    case cudaErrorInvalidValue:
    case cudaErrorInvalidDevicePointer:
    case cudaErrorInvalidMemcpyDirection:
    case cudaErrorInvalidResourceHandle:
      return static_cast<StatusCode>(107000);  // ACL_ERROR_RT_PARAM_INVALID
    default:
      return static_cast<StatusCode>(507000);  // ACL_ERROR_RT_INTERNAL_ERROR
  }
}

Status failure(StatusCode code, const std::string& what, cudaError_t error) {
  (void)cudaGetLastError();
  return {code, what + " (expected cudaSuccess, got " + cudaGetErrorName(error) + ": " + cudaGetErrorString(error) + ")"};
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
