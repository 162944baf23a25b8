// Memory that only looks valid: extents that overflow, blocks freed while work is queued, and a
// single-use executor run again after another first phase.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <numeric>
#include <string>
#include <thread>
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

TEST(EagerLifetime, BlockFreedByAnotherThreadMidStepIsNeverWrittenAfterItsRelease) {
  // A step big enough to take a while (its rows split over threads); another thread frees
  // slotMapping's block at moments spread over the step. The step either ran whole, the release
  // waiting for it, or was refused because its check missed the block; under AddressSanitizer a
  // write after the release fails the run.
  constexpr int64_t n = 131072;
  std::vector<int64_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0);
  const std::vector<int64_t> zeros(n, 0);
  for (int32_t round = 0; round < 12; ++round) {
    SCOPED_TRACE(round);
    DeviceTensor tokens(zeros, {n, 1});
    DeviceTensor sampled(std::vector<int64_t>(n - 1, 5), {n - 1, 1});
    DeviceTensor positions(zeros, {n, 1});
    DeviceTensor seq_lens(zeros, {n, 1});
    DeviceTensor slots(zeros, {n, 1});
    DeviceTensor tables(ids, {n, 1});
    uint64_t workspace = 0;
    aclOpExecutor* executor = nullptr;
    ASSERT_EQ(aclnnAdvanceStepGetWorkspaceSize(tokens.get(), sampled.get(), positions.get(), seq_lens.get(), slots.get(),
                                               tables.get(), n, n - 1, 16, &workspace, &executor),
              ACL_SUCCESS)
        << last_error_message();
    std::thread freer([&slots, round] {
      std::this_thread::sleep_for(std::chrono::microseconds(40 * round));
      const DeviceTensor doomed = std::move(slots);
    });
    const aclnnStatus status = aclnnAdvanceStep(nullptr, 0, executor, nullptr);
    freer.join();
    EXPECT_TRUE(status == ACL_SUCCESS || status == ACLNN_ERR_PARAM_INVALID) << status << ": " << last_error_message();
    EXPECT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS) << last_error_message();
    EXPECT_EQ(seq_lens.values()[0], status == ACL_SUCCESS ? 1 : 0);
    clear_messages();
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
