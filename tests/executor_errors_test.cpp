// The second phase and the executor life cycle: null executor and workspace, single use, repeatable
// executors, destruction, the address setters, and executors given to the wrong operator.
#include <gtest/gtest.h>

#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "aclnnop/aclnn_advance_step_v2.h"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

const std::vector<int64_t> kTokensAfter = {0, 1, 2, 3, 0, 0, 0, 0};
const std::vector<int64_t> kSeqLensAfter = {1, 2, 3, 4, 4, 5, 6, 7};
const std::vector<int64_t> kSlotsAfter = {0, 3, 6, 9, -1, -1, -1, -1};

/// The official case planned for V1 and made repeatable.
CallCase planned_repeatable() {
  CallCase c = CallCase::official_v1();
  EXPECT_EQ(c.plan_v1(), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(aclSetAclOpExecutorRepeatable(c.executor), ACL_SUCCESS) << last_error_message();
  return c;
}

TEST(ExecutorPhase2, NullExecutor) {
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, nullptr, nullptr), 161001);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"executor must not be null", "got nullptr"}));
  EXPECT_EQ(aclnnAdvanceStepV2(nullptr, 0, nullptr, nullptr), 161001);
  EXPECT_TRUE(message_has("aclnnAdvanceStepV2", {"executor", "got nullptr"}));
}

TEST(ExecutorPhase2, NullWorkspaceWithSize) {
  CallCase c = CallCase::official_v1();
  const auto before = c.bytes();
  const StreamHandle stream;
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 64, c.executor, stream.get()), 161001);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"workspace must not be null", "got nullptr"}));
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  EXPECT_EQ(c.bytes(), before);
}

TEST(ExecutorPhase2, LargerWorkspaceAccepted) {
  CallCase c = CallCase::official_v1();
  const DeviceTensor workspace(std::vector<int64_t>(8, 0), {8});
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS);
  EXPECT_EQ(aclnnAdvanceStep(workspace.address(), 64, c.executor, nullptr), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  EXPECT_EQ(c.values(kSeqLens), kSeqLensAfter);
}

TEST(ExecutorPhase2, SingleUseExecutorRunsOnce) {
  CallCase c = CallCase::official_v1();
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS);
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  const auto after_one = c.bytes();
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), 161002);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"executor was already run", "expected a planned executor", "got"}));
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  EXPECT_EQ(c.bytes(), after_one);
}

TEST(ExecutorPhase2, ForeignPointerIsNotAnExecutor) {
  int64_t not_an_executor[64] = {};
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, reinterpret_cast<aclOpExecutor*>(not_an_executor), nullptr), 161002);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"expected a planned executor"}));
}

TEST(ExecutorPhase2, DestroyedStreamRefused) {
  CallCase c = CallCase::official_v1();
  const auto before = c.bytes();
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  ASSERT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream), 361001);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"stream", "expected a live stream or NULL"}));
  EXPECT_EQ(c.bytes(), before);
}

TEST(ExecutorPhase2, V1ExecutorGivenToV2) {
  CallCase c = CallCase::official_v1();
  const auto before = c.bytes();
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStepV2(nullptr, 0, c.executor, nullptr), 161002);
  EXPECT_TRUE(message_has("aclnnAdvanceStepV2", {"another operator", "expected an executor from aclnnAdvanceStepV2",
                                                 "got one from aclnnAdvanceStepGetWorkspaceSize"}));
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  EXPECT_EQ(c.bytes(), before);
}

TEST(ExecutorPhase2, V2ExecutorGivenToV1) {
  CallCase c = CallCase::speculative_v2();
  const auto before = c.bytes();
  ASSERT_EQ(c.plan_v2(), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), 161002);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"another operator", "got one from aclnnAdvanceStepV2"}));
  EXPECT_EQ(c.bytes(), before);
}

TEST(ExecutorPhase2, V2NullWorkspaceAndSingleUse) {
  CallCase c = CallCase::speculative_v2();
  const auto before = c.bytes();
  ASSERT_EQ(c.plan_v2(), ACL_SUCCESS) << last_error_message();
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStepV2(nullptr, 8, c.executor, nullptr), 161001);
  EXPECT_TRUE(message_has("aclnnAdvanceStepV2", {"workspace must not be null", "got nullptr"}));
  EXPECT_EQ(aclnnAdvanceStepV2(nullptr, 0, c.executor, nullptr), 161002);  // the refused run used it up
  EXPECT_TRUE(message_has("aclnnAdvanceStepV2", {"expected a planned executor"}));
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  EXPECT_EQ(c.bytes(), before);
}

// ---- repeatable executors ------------------------------------------------------------------------

TEST(RepeatableExecutor, RunsManyTimes) {
  CallCase c = planned_repeatable();
  for (int32_t step = 1; step <= 3; ++step) {
    ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), ACL_SUCCESS) << last_error_message();
    ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
    const std::vector<int64_t> lens = c.values(kSeqLens);
    EXPECT_EQ(lens[0], step);
    EXPECT_EQ(lens[3], 3 + step);
    EXPECT_EQ(lens[4], 4);  // padding rows keep their length
  }
  EXPECT_EQ(c.values(kPositions), (std::vector<int64_t>{2, 3, 4, 5, 0, 0, 0, 0}));
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS) << last_error_message();
}

TEST(RepeatableExecutor, DestroyedExecutorRefused) {
  CallCase c = planned_repeatable();
  ASSERT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS);
  const auto before = c.bytes();
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), 161002);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"already run", "expected a planned executor"}));
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), 161002);
  EXPECT_TRUE(message_has("aclDestroyAclOpExecutor", {"not a live executor"}));
  EXPECT_EQ(c.bytes(), before);
}

// CANN's aclDestroyAclOpExecutor deletes any executor of a first phase: a single-use one that was
// planned but will never run is freed the same way, and is then spent.
TEST(SingleUseExecutor, PlannedButNeverRunIsDestroyed) {
  CallCase c = CallCase::official_v1();
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS) << last_error_message();
  const auto before = c.bytes();
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS) << last_error_message();
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), 161002);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"already run", "expected a planned executor"}));
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), 161002);
  EXPECT_TRUE(message_has("aclDestroyAclOpExecutor", {"not a live executor"}));
  EXPECT_EQ(c.bytes(), before);
}

TEST(SingleUseExecutor, RunOneCannotBeDestroyed) {
  CallCase c = CallCase::official_v1();
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), 161002);
  EXPECT_TRUE(message_has("aclDestroyAclOpExecutor", {"not a live executor"}));
}

TEST(RepeatableExecutor, ExecutorApisRejectNull) {
  int64_t address = 0;
  clear_messages();
  EXPECT_EQ(aclSetAclOpExecutorRepeatable(nullptr), 561103);
  EXPECT_TRUE(message_has("aclSetAclOpExecutorRepeatable", {"executor must not be null"}));
  EXPECT_EQ(aclDestroyAclOpExecutor(nullptr), 561103);
  EXPECT_TRUE(message_has("aclDestroyAclOpExecutor", {"executor must not be null"}));
  EXPECT_EQ(aclSetInputTensorAddr(nullptr, 0, nullptr, &address), 561103);
  EXPECT_TRUE(message_has("aclSetInputTensorAddr", {"executor must not be null"}));
  EXPECT_EQ(aclSetOutputTensorAddr(nullptr, 0, nullptr, &address), 561103);
  EXPECT_EQ(aclSetTensorAddr(nullptr, 0, nullptr, &address), 561103);
  clear_messages();
}

TEST(RepeatableExecutor, SetterIndexOutOfRange) {
  CallCase c = planned_repeatable();
  void* address = c.tensors[kTokens].address();
  clear_messages();
  EXPECT_EQ(aclSetInputTensorAddr(c.executor, 6, nullptr, address), 161002);  // V1 has inputs 0..5
  EXPECT_TRUE(message_has("aclSetInputTensorAddr", {"index", "expected 0..5", "got 6"}));
  EXPECT_EQ(aclSetOutputTensorAddr(c.executor, 4, nullptr, address), 161002);
  EXPECT_TRUE(message_has("aclSetOutputTensorAddr", {"index", "expected 0..3", "got 4"}));
  EXPECT_EQ(aclSetTensorAddr(c.executor, 10, nullptr, address), 161002);
  EXPECT_TRUE(message_has("aclSetTensorAddr", {"index", "expected 0..9", "got 10"}));
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS);
}

TEST(RepeatableExecutor, SettersRepointToNewBuffers) {
  CallCase c = planned_repeatable();
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  const auto old_bytes = c.bytes();

  // New seqLens (input 3), slotMapping (output 3) and inputTokens (combined index 0).
  const DeviceTensor lens({4, 4, 4, 4, 9, 9, 9, 9}, {8, 1});
  const DeviceTensor slots(std::vector<int64_t>(8, 5), {8, 1});
  const DeviceTensor tokens(std::vector<int64_t>(8, 5), {8, 1});
  ASSERT_EQ(aclSetInputTensorAddr(c.executor, 3, c.tensors[kSeqLens].get(), lens.address()), ACL_SUCCESS);
  ASSERT_EQ(aclSetOutputTensorAddr(c.executor, 3, nullptr, slots.address()), ACL_SUCCESS);
  ASSERT_EQ(aclSetTensorAddr(c.executor, 0, nullptr, tokens.address()), ACL_SUCCESS);
  void* seq_lens_address = nullptr;
  ASSERT_EQ(aclGetRawTensorAddr(c.tensors[kSeqLens].get(), &seq_lens_address), ACL_SUCCESS);
  EXPECT_EQ(seq_lens_address, lens.address());  // the setter re-points the aclTensor too

  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  EXPECT_EQ(lens.values(), (std::vector<int64_t>{5, 5, 5, 5, 9, 9, 9, 9}));
  EXPECT_EQ(tokens.values(), kTokensAfter);
  // block ids 0..7, blockSize 2: row i at position 4 reads bt[i + 4 / 2] = i + 2
  EXPECT_EQ(slots.values(), (std::vector<int64_t>{4, 6, 8, 10, -1, -1, -1, -1}));
  // Positions were not re-pointed: the old buffer takes the new positions; nothing else moved.
  EXPECT_EQ(c.values(kPositions), (std::vector<int64_t>{4, 4, 4, 4, 0, 0, 0, 0}));
  auto expected_old = old_bytes;
  expected_old[kPositions] = c.tensors[kPositions].raw();
  EXPECT_EQ(c.bytes(), expected_old);
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS);
}

TEST(RepeatableExecutor, BadNewAddressRefusedAtRun) {
  CallCase c = planned_repeatable();
  std::vector<int64_t> host = {0, 1, 2, 3, 4, 5, 6, 7};
  const auto before = c.bytes();
  ASSERT_EQ(aclSetInputTensorAddr(c.executor, 3, nullptr, host.data()), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), 161002);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"seqLens", "device memory from aclrtMalloc"}));
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  EXPECT_EQ(c.bytes(), before);
  EXPECT_EQ(host, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  // A good address makes the same executor usable again.
  ASSERT_EQ(aclSetInputTensorAddr(c.executor, 3, nullptr, c.tensors[kSeqLens].address()), ACL_SUCCESS);
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  EXPECT_EQ(c.values(kSeqLens), kSeqLensAfter);
  EXPECT_EQ(c.values(kSlots), kSlotsAfter);
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS);
}

TEST(RepeatableExecutor, RepointedOverlapRefusedAtRun) {
  CallCase c = planned_repeatable();
  const auto before = c.bytes();
  ASSERT_EQ(aclSetOutputTensorAddr(c.executor, 1, nullptr, c.tensors[kTokens].address()), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), 161002);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"inputTokens overlaps inputPositions"}));
  EXPECT_EQ(c.bytes(), before);
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS);
}

TEST(RepeatableExecutor, FreedNewAddressRefusedAtRun) {
  CallCase c = planned_repeatable();
  void* block = nullptr;
  ASSERT_EQ(aclrtMalloc(&block, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  ASSERT_EQ(aclrtFree(block), ACL_SUCCESS);
  const auto before = c.bytes();
  ASSERT_EQ(aclSetTensorAddr(c.executor, 5, nullptr, block), ACL_SUCCESS);  // blockTables
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, nullptr), 161002);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"blockTables", "freed"}));
  EXPECT_EQ(c.bytes(), before);
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS);
}

TEST(RepeatableExecutor, V2SpeculativeRepointsOptionals) {
  CallCase c = CallCase::speculative_v2();
  ASSERT_EQ(c.plan_v2(), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclSetAclOpExecutorRepeatable(c.executor), ACL_SUCCESS);
  const DeviceTensor accepted({0, 0}, {2});
  ASSERT_EQ(aclSetInputTensorAddr(c.executor, 7, nullptr, accepted.address()), ACL_SUCCESS);
  ASSERT_EQ(aclnnAdvanceStepV2(nullptr, 0, c.executor, nullptr), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  EXPECT_EQ(c.values(kPositions), (std::vector<int64_t>{1, 2, 3, 5, 6, 7}));  // + 0 accepted + 1
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS);
}

}  // namespace
}  // namespace advstep::testing
