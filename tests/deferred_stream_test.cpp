// ADVSTEP_STREAM_MODE=deferred: stream work runs only when the stream is synchronised, in order, so
// a program that forgets aclrtSynchronizeStream reads stale data, as on an NPU.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

const std::vector<int64_t> kSeqLensAfter = {1, 2, 3, 4, 4, 5, 6, 7};
const std::vector<int64_t> kSlotsAfter = {0, 3, 6, 9, -1, -1, -1, -1};

std::string environment_mode() {
  const char* mode = std::getenv("ADVSTEP_STREAM_MODE");
  return mode == nullptr ? "(unset)" : mode;
}

/// Phase 1 and 2 of the case on @p stream.
void enqueue_v1(CallCase& c, aclrtStream stream) {
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream), ACL_SUCCESS) << last_error_message();
}

TEST(DeferredStream, ResultsOnlyAfterSynchronize) {
  CallCase c = CallCase::official_v1();
  const auto before = c.bytes();
  const std::string outer = environment_mode();
  const StreamHandle stream(true);
  EXPECT_EQ(environment_mode(), outer);  // set for the creation only
  enqueue_v1(c, stream.get());
  EXPECT_EQ(c.bytes(), before);  // a program that forgot to synchronise sees stale data
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  EXPECT_EQ(c.values(kSeqLens), kSeqLensAfter);
  EXPECT_EQ(c.values(kSlots), kSlotsAfter);
}

TEST(DeferredStream, EagerStreamRunsAtOnce) {
  CallCase c = CallCase::official_v1();
  const StreamHandle stream(false);
  enqueue_v1(c, stream.get());
  EXPECT_EQ(c.values(kSeqLens), kSeqLensAfter);
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
}

TEST(DeferredStream, CopiesAndFillsKeepOrder) {
  const DeviceTensor buffer(std::vector<int64_t>(4, 0), {4});
  const StreamHandle stream(true);
  const std::vector<int64_t> source = {7, 8};
  auto* bytes = static_cast<char*>(buffer.address());
  ASSERT_EQ(aclrtMemsetAsync(buffer.address(), 32, 1, 32, stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpyAsync(buffer.address(), 32, source.data(), 16, ACL_MEMCPY_HOST_TO_DEVICE, stream.get()),
            ACL_SUCCESS);
  ASSERT_EQ(aclrtMemsetAsync(bytes + 8, 24, 0, 8, stream.get()), ACL_SUCCESS);
  std::vector<int64_t> read_back(4, -1);
  ASSERT_EQ(aclrtMemcpyAsync(read_back.data(), 32, buffer.address(), 32, ACL_MEMCPY_DEVICE_TO_HOST, stream.get()),
            ACL_SUCCESS);
  EXPECT_EQ(buffer.values(), (std::vector<int64_t>(4, 0)));
  EXPECT_EQ(read_back, (std::vector<int64_t>(4, -1)));
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  const std::vector<int64_t> want = {7, 0, 0x0101010101010101, 0x0101010101010101};
  EXPECT_EQ(buffer.values(), want);
  EXPECT_EQ(read_back, want);
}

TEST(DeferredStream, AsyncArgumentsCheckedAtCall) {
  const DeviceTensor buffer(std::vector<int64_t>(2, 3), {2});
  const StreamHandle stream(true);
  const std::vector<int64_t> source = {1, 2, 3};
  clear_messages();
  EXPECT_EQ(aclrtMemcpyAsync(buffer.address(), 16, source.data(), 24, ACL_MEMCPY_HOST_TO_DEVICE, stream.get()),
            ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpyAsync", {"count", "expected <= 16", "got 24"}));
  EXPECT_EQ(aclrtMemcpyAsync(buffer.address(), 24, source.data(), 24, ACL_MEMCPY_HOST_TO_DEVICE, stream.get()),
            ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpyAsync", {"dst", "24 bytes"}));
  EXPECT_EQ(aclrtMemsetAsync(buffer.address(), 8, 0, 16, stream.get()), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemsetAsync", {"count", "maxCount", "got 16"}));
  EXPECT_EQ(aclrtMemsetAsync(nullptr, 8, 0, 8, stream.get()), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMemsetAsync", {"devPtr", "got nullptr"}));
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);  // nothing was queued
  EXPECT_EQ(buffer.values(), (std::vector<int64_t>{3, 3}));
}

TEST(DeferredStream, BlockFreedBeforeSyncIsNotWritten) {
  void* block = nullptr;
  ASSERT_EQ(aclrtMalloc(&block, 16, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  const StreamHandle stream(true);
  const std::vector<int64_t> source = {1, 2};
  ASSERT_EQ(aclrtMemcpyAsync(block, 16, source.data(), 16, ACL_MEMCPY_HOST_TO_DEVICE, stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtFree(block), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpyAsync", {"dst", "device memory"}));
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
}

TEST(DeferredStream, StepSeesEarlierCopies) {
  CallCase c = CallCase::official_v1();
  const StreamHandle stream(true);
  const std::vector<int64_t> lens = {6, 5, 4, 3, 0, 0, 0, 0};
  std::vector<int64_t> slots(8, 42);
  ASSERT_EQ(
      aclrtMemcpyAsync(c.tensors[kSeqLens].address(), 64, lens.data(), 64, ACL_MEMCPY_HOST_TO_DEVICE, stream.get()),
      ACL_SUCCESS);
  enqueue_v1(c, stream.get());
  ASSERT_EQ(
      aclrtMemcpyAsync(slots.data(), 64, c.tensors[kSlots].address(), 64, ACL_MEMCPY_DEVICE_TO_HOST, stream.get()),
      ACL_SUCCESS);
  EXPECT_EQ(slots, std::vector<int64_t>(8, 42));
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS) << last_error_message();
  // row i at position lens[i] reads bt[i + lens[i] / 2] = i + lens[i] / 2 from the block ids 0..7
  EXPECT_EQ(slots, (std::vector<int64_t>{6, 7, 8, 9, -1, -1, -1, -1}));
  EXPECT_EQ(c.values(kSeqLens), (std::vector<int64_t>{7, 6, 5, 4, 0, 0, 0, 0}));
}

TEST(DeferredStream, V1FaultOnceNothingWritten) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, 1, 2, -9, 4, 5, 6, 7}, {8, 1});
  EXPECT_TRUE(c.faults(false, {"sequence 3:", "seqLens[3] is negative", "got -9"}, true));
}

TEST(DeferredStream, V2FaultOnceNothingWritten) {
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {1, -9}, {2});
  EXPECT_TRUE(c.faults(true, {"sequence 1", "acceptedNumOptional[1]", "is negative", "got -4"}, true));
}

TEST(DeferredStream, V2RunsAtSync) {
  CallCase c = CallCase::speculative_v2();
  ASSERT_TRUE(c.runs(true, true));
  EXPECT_EQ(c.values(kSlots), speculative_expected().slots);
}

TEST(DeferredStream, QueuedRunKeepsItsAddresses) {
  // A repeatable executor re-pointed between two queued runs: each run uses the addresses it was
  // queued with, as the launch parameters of an NPU kernel are fixed at launch.
  CallCase c = CallCase::official_v1();
  const StreamHandle stream(true);
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS);
  ASSERT_EQ(aclSetAclOpExecutorRepeatable(c.executor), ACL_SUCCESS);
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACL_SUCCESS);
  const DeviceTensor lens({2, 2, 2, 2, 9, 9, 9, 9}, {8, 1});
  ASSERT_EQ(aclSetInputTensorAddr(c.executor, 3, nullptr, lens.address()), ACL_SUCCESS);
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS);  // queued work holds its own plan
  EXPECT_EQ(lens.values(), (std::vector<int64_t>{2, 2, 2, 2, 9, 9, 9, 9}));
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(c.values(kSeqLens), kSeqLensAfter);
  EXPECT_EQ(lens.values(), (std::vector<int64_t>{3, 3, 3, 3, 9, 9, 9, 9}));
  EXPECT_EQ(c.values(kPositions), (std::vector<int64_t>{2, 2, 2, 2, 0, 0, 0, 0}));  // the second run wrote last
}

TEST(DeferredStream, DestroyStreamFinishesWork) {
  CallCase c = CallCase::official_v1();
  StreamHandle handle(true);
  aclrtStream stream = handle.release();
  enqueue_v1(c, stream);
  EXPECT_EQ(c.values(kSeqLens), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  ASSERT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
  EXPECT_EQ(c.values(kSeqLens), kSeqLensAfter);
}

TEST(DeferredStream, DestroyStreamForceDropsWork) {
  CallCase c = CallCase::official_v1();
  const auto before = c.bytes();
  StreamHandle handle(true);
  aclrtStream stream = handle.release();
  enqueue_v1(c, stream);
  ASSERT_EQ(aclrtDestroyStreamForce(stream), ACL_SUCCESS);
  EXPECT_EQ(c.bytes(), before);
}

TEST(DeferredStream, SynchronizeDeviceRunsEveryStream) {
  CallCase a = CallCase::official_v1();
  CallCase b = CallCase::official_v1();
  const StreamHandle first(true);
  const StreamHandle second(true);
  enqueue_v1(a, first.get());
  enqueue_v1(b, second.get());
  ASSERT_EQ(aclrtSynchronizeDevice(), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(a.values(kSeqLens), kSeqLensAfter);
  EXPECT_EQ(b.values(kSeqLens), kSeqLensAfter);
}

}  // namespace
}  // namespace advstep::testing
