// Memory belongs to the device it was allocated on (the runtime's, aclrtSetDevice's), and an
// operator's tensors and stream must share it. Needs two devices: on the host they come from
// ADVSTEP_CPU_DEVICES=2 (the CTest entry device_mismatch.two_host_devices), on a GPU machine from
// two GPUs; with one device every test here skips.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step.h"
#include "support/device_tensor.hpp"

namespace advstep::testing {
namespace {

class DeviceMismatch : public ::testing::Test {
 protected:
  void SetUp() override {
    uint32_t count = 0;
    ASSERT_EQ(aclrtGetDeviceCount(&count), ACL_SUCCESS) << last_error_message();
    if (count < 2) GTEST_SKIP() << "one device (set ADVSTEP_CPU_DEVICES=2 to run these on the host)";
    ASSERT_EQ(aclrtSetDevice(0), ACL_SUCCESS);
  }
  void TearDown() override { (void)aclrtSetDevice(0); }
};

/// The V1 tensors of a two-sequence step, allocated on the calling thread's device.
struct Step {
  DeviceTensor tokens{{0, 0}, {2, 1}};
  DeviceTensor sampled{{7}, {1, 1}};
  DeviceTensor positions{{3, 4}, {2, 1}};
  DeviceTensor seq_lens{{4, 5}, {2, 1}};
  DeviceTensor slots{{0, 0}, {2, 1}};
  DeviceTensor tables{{0, 1}, {2, 1}};

  aclnnStatus plan(const aclTensor* tokens_tensor, aclOpExecutor** executor) const {
    uint64_t workspace = 0;
    return aclnnAdvanceStepGetWorkspaceSize(tokens_tensor, sampled.get(), positions.get(), seq_lens.get(), slots.get(),
                                            tables.get(), 2, 1, 16, &workspace, executor);
  }
};

TEST_F(DeviceMismatch, TensorOfAnotherDeviceIsRefusedInThePlan) {
  Step step;  // device 0
  ASSERT_EQ(aclrtSetDevice(1), ACL_SUCCESS);
  const DeviceTensor tokens_on_1({0, 0}, {2, 1});
  ASSERT_EQ(aclrtSetDevice(0), ACL_SUCCESS);
  aclOpExecutor* executor = nullptr;
  EXPECT_EQ(step.plan(tokens_on_1.get(), &executor), ACLNN_ERR_PARAM_INVALID);
  const std::string message = last_error_message();
  EXPECT_NE(message.find("inputTokens is memory of another device"), std::string::npos) << message;
  EXPECT_NE(message.find("expected an aclrtMalloc block of device 0, got one of device 1"), std::string::npos)
      << message;
  EXPECT_EQ(executor, nullptr);
  EXPECT_EQ(tokens_on_1.values(), (std::vector<int64_t>{0, 0}));
}

TEST_F(DeviceMismatch, StreamOfAnotherDeviceIsRefusedAtTheRunAndNothingIsWritten) {
  Step step;
  ASSERT_EQ(aclrtSetDevice(1), ACL_SUCCESS);
  aclrtStream other = nullptr;
  ASSERT_EQ(aclrtCreateStream(&other), ACL_SUCCESS);
  ASSERT_EQ(aclrtSetDevice(0), ACL_SUCCESS);
  aclOpExecutor* executor = nullptr;
  ASSERT_EQ(step.plan(step.tokens.get(), &executor), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, executor, other), ACLNN_ERR_PARAM_INVALID);
  const std::string message = last_error_message();
  EXPECT_NE(message.find("stream is on another device than the executor's tensors"), std::string::npos) << message;
  EXPECT_NE(message.find("expected a stream of device 0, got one of device 1"), std::string::npos) << message;
  EXPECT_EQ(aclrtSynchronizeStream(other), ACL_SUCCESS);
  EXPECT_EQ(step.tokens.values(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(aclrtDestroyStream(other), ACL_SUCCESS);
}

TEST_F(DeviceMismatch, EachDeviceRunsOnItsOwnMemoryAndStreams) {
  ASSERT_EQ(aclrtSetDevice(1), ACL_SUCCESS);
  Step step;  // device 1
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  aclOpExecutor* executor = nullptr;
  ASSERT_EQ(step.plan(step.tokens.get(), &executor), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, executor, stream), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(step.tokens.values(), (std::vector<int64_t>{7, 0}));  // row 1 is padding
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
}

}  // namespace
}  // namespace advstep::testing
