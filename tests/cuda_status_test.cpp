// CUDA errors as the library's codes (src/cuda/cuda_status.cpp, compiled into this binary): runs
// without a GPU. A sticky error must never read as a recoverable data fault (507015): it says the
// context is lost, under 507899, whatever the caller asked for.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <string>

#include "cuda/cuda_status.hpp"

namespace advstep::testing {
namespace {

constexpr auto kContextLost = static_cast<StatusCode>(507899);

TEST(CudaStatus, StickyErrorsSayTheContextIsLost) {
  for (cudaError_t error : {cudaErrorMisalignedAddress, cudaErrorIllegalAddress, cudaErrorLaunchFailure,
                            cudaErrorIllegalInstruction, cudaErrorAssert, cudaErrorHardwareStackError}) {
    EXPECT_TRUE(cuda::is_sticky(error)) << cudaGetErrorName(error);
    EXPECT_EQ(cuda::acl_code(error), kContextLost) << cudaGetErrorName(error);
    // Even where a caller names its own code (a launch refused: 361001), the lost context wins.
    const Status status = cuda::failure(StatusCode::kRuntimeError, "reading the stream's fault record failed", error);
    EXPECT_EQ(status.code(), kContextLost) << cudaGetErrorName(error);
    EXPECT_NE(status.message().find("CUDA context is lost"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find(cudaGetErrorName(error)), std::string::npos) << status.message();
    EXPECT_NE(status.code(), StatusCode::kDataFault);
  }
}

TEST(CudaStatus, RecoverableErrorsKeepTheirCodes) {
  EXPECT_EQ(cuda::acl_code(cudaErrorMemoryAllocation), static_cast<StatusCode>(207001));
  EXPECT_EQ(cuda::acl_code(cudaErrorNoDevice), static_cast<StatusCode>(207004));
  EXPECT_EQ(cuda::acl_code(cudaErrorNoKernelImageForDevice), static_cast<StatusCode>(207004));
  EXPECT_EQ(cuda::acl_code(cudaErrorInvalidValue), static_cast<StatusCode>(107000));
  const Status refused = cuda::failure(StatusCode::kRuntimeError, "the check kernel could not be launched",
                                       cudaErrorInvalidConfiguration);
  EXPECT_EQ(refused.code(), StatusCode::kRuntimeError);
  EXPECT_EQ(refused.message().find("context is lost"), std::string::npos) << refused.message();
  EXPECT_FALSE(cuda::is_sticky(cudaErrorMemoryAllocation));
}

}  // namespace
}  // namespace advstep::testing
