// Memory that only looks valid: extents that overflow, blocks freed while work is queued, and a
// single-use executor run again after another first phase.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "support/call_case.hpp"
#include "support/device_tensor.hpp"

namespace advstep::testing {
namespace {

struct V1Tensors {
  DeviceTensor tokens{{0, 0}, {2, 1}};
  DeviceTensor sampled{{7}, {1, 1}};
  DeviceTensor positions{{0, 0}, {2, 1}};
  DeviceTensor seq_lens{{3, 3}, {2, 1}};
  DeviceTensor slots{{0, 0}, {2, 1}};
  DeviceTensor tables{{0, 1, 2, 3}, {2, 2}};
};

aclnnStatus plan_v1(const V1Tensors& t, const aclTensor* tables, aclOpExecutor** executor) {
  uint64_t workspace = 0;
  return aclnnAdvanceStepGetWorkspaceSize(t.tokens.get(), t.sampled.get(), t.positions.get(), t.seq_lens.get(),
                                          t.slots.get(), tables, 2, 1, 16, &workspace, executor);
}

TEST(MemoryExtent, DimsWhoseByteCountWrapsAreRefused) {
  V1Tensors t;
  // 2 * 2^60 INT64 elements: 2^64 bytes, which wraps to 0 in 64 bits.
  TensorPtr huge = make_tensor(t.tables.address(), {2, int64_t{1} << 60});
  aclOpExecutor* executor = nullptr;
  EXPECT_EQ(plan_v1(t, huge.get(), &executor), ACLNN_ERR_PARAM_INVALID);
  const std::string message = last_error_message();
  EXPECT_NE(message.find("blockTables spans more bytes than an address can reach"), std::string::npos) << message;
  EXPECT_EQ(t.tables.values(), (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(MemoryExtent, OffsetWhoseByteCountWrapsIsRefused) {
  V1Tensors t;
  TensorPtr shifted = make_tensor(t.tables.address(), {2, 2}, {}, int64_t{1} << 61);
  aclOpExecutor* executor = nullptr;
  EXPECT_EQ(plan_v1(t, shifted.get(), &executor), ACLNN_ERR_PARAM_INVALID);
  const std::string message = last_error_message();
  EXPECT_NE(message.find("spans more bytes"), std::string::npos) << message;
}

TEST(DeferredLifetime, BlockFreedBeforeSynchronisationIsNotWritten) {
  StreamHandle stream(/*deferred=*/true);
  V1Tensors t;
  aclOpExecutor* executor = nullptr;
  ASSERT_EQ(plan_v1(t, t.tables.get(), &executor), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, executor, stream.get()), ACL_SUCCESS) << last_error_message();
  DeviceTensor doomed = std::move(t.slots);  // frees slotMapping's block while the work is queued
  doomed = DeviceTensor();
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACLNN_ERR_PARAM_INVALID);
  const std::string message = last_error_message();
  EXPECT_NE(message.find("slotMapping data must be device memory"), std::string::npos) << message;
  EXPECT_EQ(t.tokens.values(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(t.seq_lens.values(), (std::vector<int64_t>{3, 3}));
}

// Eager streams (the host runs the plan in the call, a GPU enqueues it) check the memory again when
// the work starts, as deferred ones do at synchronisation: the block freed since the first phase is
// never written, and the run reports 161002 (the call's own failure: its work runs now).
TEST(EagerLifetime, BlockFreedBetweenThePhasesIsNotWritten) {
  for (const bool default_stream : {true, false}) {
    SCOPED_TRACE(default_stream ? "default stream" : "created stream");
    StreamHandle stream(/*deferred=*/false);
    const aclrtStream target = default_stream ? nullptr : stream.get();
    V1Tensors t;
    aclOpExecutor* executor = nullptr;
    ASSERT_EQ(plan_v1(t, t.tables.get(), &executor), ACL_SUCCESS) << last_error_message();
    const std::vector<int64_t> tokens = t.tokens.values();
    const std::vector<int64_t> seq_lens = t.seq_lens.values();
    DeviceTensor doomed = std::move(t.slots);  // frees slotMapping's block between the phases
    doomed = DeviceTensor();
    EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, executor, target), ACLNN_ERR_PARAM_INVALID);
    const std::string message = last_error_message();
    EXPECT_NE(message.find("slotMapping data must be device memory"), std::string::npos) << message;
    EXPECT_EQ(aclrtSynchronizeStream(target), ACL_SUCCESS) << last_error_message();
    EXPECT_EQ(t.tokens.values(), tokens);
    EXPECT_EQ(t.seq_lens.values(), seq_lens);
    // The executor was single use: it is spent, not left planned over freed memory.
    EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, executor, target), ACLNN_ERR_PARAM_INVALID);
  }
}

TEST(ExecutorLifetime, SingleUseExecutorRunAgainAfterAnotherPlanIsRefused) {
  V1Tensors t;
  aclOpExecutor* first = nullptr;
  ASSERT_EQ(plan_v1(t, t.tables.get(), &first), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, first, nullptr), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  aclOpExecutor* second = nullptr;
  ASSERT_EQ(plan_v1(t, t.tables.get(), &second), ACL_SUCCESS) << last_error_message();
  EXPECT_NE(first, second);
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, first, nullptr), ACLNN_ERR_PARAM_INVALID);
  EXPECT_NE(last_error_message().find("already run"), std::string::npos);
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, second, nullptr), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
}

}  // namespace
}  // namespace advstep::testing
