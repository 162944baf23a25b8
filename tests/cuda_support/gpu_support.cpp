#include "cuda_support/gpu_support.hpp"

#include <cstdlib>
#include <cstring>

#include "acl/acl.h"

namespace advstep::testing {

bool gpu_visible() {
  static const bool visible = [] {
    int count = 0;
    const cudaError_t error = cudaGetDeviceCount(&count);
    if (error != cudaSuccess) (void)cudaGetLastError();
    return error == cudaSuccess && count > 0;
  }();
  return visible;
}

void GpuTest::SetUp() {
  if (!gpu_visible()) GTEST_SKIP() << "no CUDA device is visible";
  // The runtime chooses its backend at its first call; every test of this binary comes here first.
  ::setenv("ADVSTEP_DEVICE", "cuda", 1);
  ASSERT_EQ(aclrtSetDevice(0), ACL_SUCCESS) << aclGetRecentErrMsg();
  ASSERT_STRNE(aclrtGetSocName(), "CPU") << "the runtime chose the CPU before ADVSTEP_DEVICE=cuda was set";
}

std::string cuda_error_text(cudaError_t error) {
  return std::string(cudaGetErrorName(error)) + ": " + cudaGetErrorString(error);
}

}  // namespace advstep::testing
