// Data faults (spec section 4): values the kernel cannot advance. Each one passes both phases, then
// the next aclrtSynchronizeStream returns 507015 once with a message naming the row and the values,
// and no tensor was written (a fault in the last row leaves the earlier rows untouched too).
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

constexpr bool kV1 = false;
constexpr bool kV2 = true;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// ---- V1 (the official case: tables [8, 1], blockSize 2, rows 0..3 queried) -----------------------

TEST(V1Fault, NegativeSeqLen) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, 1, 2, -3, 4, 5, 6, 7}, {8, 1});
  EXPECT_TRUE(c.faults(kV1, {"data fault at row 3", "seqLens[3] is negative", "expected >= 0", "got -3"}));
}

TEST(V1Fault, PaddingRowsAreNotRead) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, 1, 2, 3, -1, -1, -1, -1}, {8, 1});
  ASSERT_TRUE(c.runs(kV1));
  EXPECT_EQ(c.values(kSeqLens), (std::vector<int64_t>{1, 2, 3, 4, -1, -1, -1, -1}));
}

TEST(V1Fault, BlockIndexLeavesTable) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, 1, 2, 10, 4, 5, 6, 7}, {8, 1});  // row 3 reads bt[3 + 10 / 2] = bt[8] of 8
  EXPECT_TRUE(c.faults(
      kV1, {"row 3", "position 10", "blockTables of 8 entries", "expected position / blockSize < 5", "got 5"}));
}

TEST(V1Fault, ReadingPastTheRowIsLegal) {
  // The bound is the whole table: row 3 at position 9 reads bt[3 + 4] = 7, in row 7 of an [8, 1] table.
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, 1, 2, 9, 4, 5, 6, 7}, {8, 1});
  ASSERT_TRUE(c.runs(kV1));
  EXPECT_EQ(c.values(kSlots), (std::vector<int64_t>{0, 3, 6, 15, -1, -1, -1, -1}));
}

TEST(V1Fault, NegativeBlockId) {
  CallCase c = CallCase::official_v1();
  c.set(kTables, {0, -4, 2, 3, 4, 5, 6, 7}, {8, 1});
  EXPECT_TRUE(c.faults(kV1, {"row 1", "negative block id", "position 1", "got -4"}));
}

TEST(V1Fault, SlotOverflow) {
  CallCase c = CallCase::official_v1();
  c.set(kTables, {kMax / 2 + 1, 1, 2, 3, 4, 5, 6, 7}, {8, 1});
  EXPECT_TRUE(c.faults(kV1, {"row 0", "overflows int64", "got 4611686018427387904"}));
}

TEST(V1Fault, LargestSlotFits) {
  CallCase c = CallCase::official_v1();
  c.set(kTables, {0, 1, 2, 3, 4, 5, 6, kMax / 2}, {8, 1});
  c.set(kSeqLens, {0, 1, 2, 9, 4, 5, 6, 7}, {8, 1});  // row 3 reads bt[7] at offset 1
  ASSERT_TRUE(c.runs(kV1));
  EXPECT_EQ(c.values(kSlots)[3], kMax);
}

TEST(V1Fault, SeqLenOverflow) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, kMax, 2, 3, 4, 5, 6, 7}, {8, 1});
  EXPECT_TRUE(c.faults(kV1, {"row 1", "seqLens", "got 9223372036854775807"}));
}

TEST(V1Fault, StreamWorksAfterAFault) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, 1, -2, 3, 4, 5, 6, 7}, {8, 1});
  const StreamHandle stream;
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS);
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_AICORE_EXCEPTION);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"row 2", "got -2"}));
  const std::vector<int64_t> fixed = {0, 1, 2, 3, 4, 5, 6, 7};
  ASSERT_EQ(aclrtMemcpy(c.tensors[kSeqLens].address(), 64, fixed.data(), 64, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS);
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(c.values(kSeqLens), (std::vector<int64_t>{1, 2, 3, 4, 4, 5, 6, 7}));
}

TEST(V1Fault, FaultStaysWithItsStream) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, 1, 2, -1, 4, 5, 6, 7}, {8, 1});
  const StreamHandle faulty;
  const StreamHandle other;
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS);
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, faulty.get()), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(other.get()), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(faulty.get()), ACL_ERROR_RT_AICORE_EXCEPTION);
  clear_messages();
}

// ---- V2 speculative (S = 2, blockSize 4, tables [2, 3] holding 0..5) -----------------------------

TEST(V2Fault, AcceptedNumAboveSpecNum) {
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {3, 2}, {2});
  EXPECT_TRUE(c.faults(kV2, {"sequence 0", "acceptedNumOptional[0] is outside [0, S]", "expected 0..2", "got 3"}));
}

TEST(V2Fault, AcceptedNumNegative) {
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {1, -1}, {2});
  EXPECT_TRUE(c.faults(kV2, {"sequence 1", "acceptedNumOptional[1]", "got -1"}));
}

TEST(V2Fault, AcceptedNumAtBoundsRuns) {
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {0, 2}, {2});
  ASSERT_TRUE(c.runs(kV2));
  EXPECT_EQ(c.values(kPositions), (std::vector<int64_t>{1, 2, 3, 7, 8, 9}));
}

TEST(V2Fault, SampledRowStartsWithMinusOne) {
  CallCase c = CallCase::speculative_v2();
  c.set(kSampled, {10, 11, -1, -1, 21, 22}, {2, 3});
  EXPECT_TRUE(c.faults(kV2, {"sampledTokenIds row 1 starts with -1", "expected a token id in column 0", "got -1"}));
}

TEST(V2Fault, InnerMinusOneEndsTheRow) {
  CallCase c = CallCase::speculative_v2();
  c.set(kSampled, {10, -1, 12, 20, 21, -1}, {2, 3});
  ASSERT_TRUE(c.runs(kV2));
  EXPECT_EQ(c.values(kTokens), (std::vector<int64_t>{10, 100, 101, 21, 200, 201}));
}

TEST(V2Fault, NegativePosition) {
  CallCase c = CallCase::speculative_v2();
  c.set(kPositions, {0, 1, 2, 4, -5, 6}, {6});
  EXPECT_TRUE(c.faults(kV2, {"sequence 1, column 1 (element 4)", "inputPositions is negative", "got -5"}));
}

TEST(V2Fault, BlockIndexLeavesTable) {
  CallCase c = CallCase::speculative_v2();
  c.set(kPositions, {0, 1, 2, 4, 5, 20}, {6});  // sequence 1: p = 23, block 5 from row start 3 of 6
  EXPECT_TRUE(c.faults(kV2, {"sequence 1, column 2", "position 23", "blockTables of 6 entries",
                             "expected position / blockSize < 3", "got 5"}));
}

TEST(V2Fault, ReadingPastTheRowIsLegal) {
  CallCase c = CallCase::speculative_v2();
  c.set(kPositions, {0, 1, 10, 4, 5, 6}, {6});  // sequence 0 column 2: p = 12 reads bt[0 + 3], row 1's first
  ASSERT_TRUE(c.runs(kV2));
  EXPECT_EQ(c.values(kSlots), (std::vector<int64_t>{2, 3, 12, 19, 20, 21}));
}

TEST(V2Fault, NegativeBlockId) {
  CallCase c = CallCase::speculative_v2();
  c.set(kTables, {0, -7, 2, 3, 4, 5}, {2, 3});  // sequence 0, column 2 reaches bt[1] at p = 4
  EXPECT_TRUE(c.faults(kV2, {"sequence 0, column 2", "negative block id", "position 4", "got -7"}));
}

TEST(V2Fault, SlotOverflow) {
  CallCase c = CallCase::speculative_v2();
  c.set(kTables, {0, 1, 2, 3, 4, kMax / 4 + 1}, {2, 3});  // sequence 1 reaches bt[5] at p = 8
  EXPECT_TRUE(c.faults(kV2, {"sequence 1, column 1", "overflows int64", "position 8"}));
}

TEST(V2Fault, PositionOverflow) {
  CallCase c = CallCase::speculative_v2();
  c.set(kPositions, {kMax, 1, 2, 4, 5, 6}, {6});
  EXPECT_TRUE(c.faults(kV2, {"sequence 0, column 0", "overflows int64", "got 9223372036854775807"}));
}

TEST(V2Fault, WithoutOptionalsV1FaultsApply) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, -8, 2, 3, 4, 5, 6, 7}, {8, 1});
  EXPECT_TRUE(c.faults(kV2, {"row 1", "seqLens[1] is negative", "got -8"}));
}

}  // namespace
}  // namespace advstep::testing
