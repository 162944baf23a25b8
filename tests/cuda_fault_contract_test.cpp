// Where a fault of the C API on a GPU is reported (docs/cuda.md, "Where a fault is reported"): at
// the next aclrtSynchronizeStream of the launch's stream, never lost. Synchronising through CUDA
// (cudaStreamSynchronize, events) reports nothing and clears nothing; faulting launches after the
// first are counted in its message.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cuda_support/gpu_support.hpp"
#include "cuda_support/plain_case.hpp"

namespace advstep::testing {
namespace {

class CudaFaultContract : public GpuTest, public ::testing::WithParamInterface<int64_t> {};

std::vector<int64_t> lens_with_fault(int64_t n, int64_t row) {
  std::vector<int64_t> lens;
  for (int64_t i = 0; i < n; ++i) lens.push_back(i % 13);
  lens[static_cast<size_t>(row)] = -3;
  return lens;
}

TEST_P(CudaFaultContract, ACudaSynchronisationNeitherReportsNorLosesTheFault) {
  const int64_t n = GetParam();
  const PlainCase first(n, lens_with_fault(n, 2)), second(n, lens_with_fault(n, 5)), valid(n);
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  const auto first_before = first.bytes();
  const auto second_before = second.bytes();
  ASSERT_EQ(first.launch(stream), ACL_SUCCESS) << last_error_message();
  // The caller synchronises through CUDA: the step is over, it wrote nothing, and CUDA knows no error.
  ASSERT_EQ(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)), cudaSuccess);
  EXPECT_EQ(first.bytes(), first_before);
  cudaEvent_t event = nullptr;
  ASSERT_EQ(cudaEventCreate(&event), cudaSuccess);
  ASSERT_EQ(second.launch(stream), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(cudaEventRecord(event, static_cast<cudaStream_t>(stream)), cudaSuccess);
  ASSERT_EQ(cudaEventSynchronize(event), cudaSuccess);
  EXPECT_EQ(second.bytes(), second_before);
  ASSERT_EQ(valid.launch(stream), ACL_SUCCESS) << last_error_message();
  // The next aclrtSynchronizeStream reports the first fault, with the second counted, once.
  EXPECT_EQ(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_EXCEPTION);
  const std::string message = last_error_message();
  EXPECT_NE(message.find("data fault in sequence 2:"), std::string::npos) << message;
  EXPECT_NE(message.find("; 1 later launch on this stream also faulted and wrote nothing"), std::string::npos)
      << message;
  EXPECT_EQ(valid.seq.values()[1], 2) << "the valid launch after the faults ran";
  EXPECT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS) << "reported once";
  EXPECT_EQ(cudaEventDestroy(event), cudaSuccess);
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
}

// 64: the single-block form; 5000: the check and write kernels.
INSTANTIATE_TEST_SUITE_P(Sizes, CudaFaultContract, ::testing::Values(64, 5000));

}  // namespace
}  // namespace advstep::testing
