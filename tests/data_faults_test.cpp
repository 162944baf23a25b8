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
  EXPECT_TRUE(c.faults(kV1, {"data fault in sequence 3:", "seqLens[3] is negative", "expected >= 0", "got -3",
                             "blockTables holds 8 rows of W = 1 (8 entries)", "no tensor was written"}));
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
  EXPECT_TRUE(c.faults(kV1, {"sequence 3:", "block index = position 10 / blockSize 2 = 5",
                             "reads entry 3 * W + 5 = 8 of blockTables, past its end",
                             "expected a block index below 5", "got 5)", "8 rows of W = 1 (8 entries)"}));
}

// A huge position in a row after the first: the entry row * W + index passes 2^63 - 1 and must not
// wrap to a negative one ("before its start").
TEST(V1Fault, HugeBlockIndexInALaterRowIsPastTheEnd) {
  CallCase c = CallCase::official_v1();
  c.block_size = 1;
  c.set(kSeqLens, {0, 1, 2, kMax - 1, 4, 5, 6, 7}, {8, 1});
  EXPECT_TRUE(c.faults(kV1, {"sequence 3:", "block index = position 9223372036854775806 / blockSize 1 = 9223372036854775806",
                             "reads entry 3 * W + 9223372036854775806 = 9223372036854775809 of blockTables, past its end",
                             "expected a block index below 5", "got 9223372036854775806)"}));
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
  EXPECT_TRUE(c.faults(kV1, {"sequence 1:", "blockTables[1 * W + 0] = blockTables[1]", "position 1 / blockSize 2",
                             "negative block id", "got -4"}));
}

TEST(V1Fault, SlotOverflow) {
  CallCase c = CallCase::official_v1();
  c.set(kTables, {kMax / 2 + 1, 1, 2, 3, 4, 5, 6, 7}, {8, 1});
  EXPECT_TRUE(c.faults(kV1, {"sequence 0:", "slot = block id 4611686018427387904 * blockSize 2 + offset 0 = 9223372036854775808",
                             "expected a block id at most (2^63 - 1 - 0) / 2 = 4611686018427387903",
                             "got 4611686018427387904"}));
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
  EXPECT_TRUE(c.faults(kV1, {"sequence 1:", "the new length 9223372036854775807 + 1 = 9223372036854775808 does not fit seqLens",
                             "expected a new length at most 9223372036854775807", "got 9223372036854775808"}));
}

TEST(V1Fault, StreamWorksAfterAFault) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, 1, -2, 3, 4, 5, 6, 7}, {8, 1});
  const StreamHandle stream;
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS);
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_AICORE_EXCEPTION);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"sequence 2:", "got -2"}));
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

TEST(V2Fault, AcceptedNumAboveSpecNumIsAnOffset) {
  // S = 2, yet sequence 0 adds 5: positions 0, 1, 2 + 5 + 1 = 6, 7, 8, blocks bt[1], bt[1], bt[2].
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {5, 2}, {2});
  ASSERT_TRUE(c.runs(kV2));
  EXPECT_EQ(c.values(kPositions), (std::vector<int64_t>{6, 7, 8, 7, 8, 9}));
  EXPECT_EQ(c.values(kSlots), (std::vector<int64_t>{6, 7, 8, 19, 20, 21}));
}

TEST(V2Fault, AcceptedNumNegativeIsAnOffset) {
  // Sequence 1 positions 4, 5, 6 - 3 + 1 = 2, 3, 4: blocks bt[3], bt[3], bt[4].
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {1, -3}, {2});
  ASSERT_TRUE(c.runs(kV2));
  EXPECT_EQ(c.values(kPositions), (std::vector<int64_t>{2, 3, 4, 2, 3, 4}));
  EXPECT_EQ(c.values(kSlots), (std::vector<int64_t>{2, 3, 4, 14, 15, 16}));
}

TEST(V2Fault, AcceptedNumLeadingBelowZero) {
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {1, -6}, {2});
  EXPECT_TRUE(c.faults(kV2, {"sequence 1, column 0 (element 3)",
                             "the new position inputPositions[3] + acceptedNumOptional[1] + 1 = 4 + -6 + 1 is negative",
                             "expected >= 0", "got -1"}));
}

TEST(V2Fault, AcceptedNumFarAboveSpecNumReadsOnIntoTheTable) {
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {9, 2}, {2});  // 0, 1, 2 + 9 + 1 = 10, 11, 12: blocks bt[2], bt[2], then bt[3] (row 1's)
  ASSERT_TRUE(c.runs(kV2));
  EXPECT_EQ(c.values(kSlots), (std::vector<int64_t>{10, 11, 12, 19, 20, 21}));
}

TEST(V2Fault, AcceptedNumLeadingOutOfTheTable) {
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {1, 9}, {2});  // sequence 1: 4 + 9 + 1 = 14, block 3 from row start 3 of 6 entries
  EXPECT_TRUE(c.faults(kV2, {"sequence 1, column 0", "block index = position 14 / blockSize 4 = 3",
                             "expected a block index below 3", "got 3)", "2 rows of W = 3 (6 entries)"}));
}

TEST(V2Fault, AcceptedNumInZeroToSRuns) {
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
  EXPECT_TRUE(c.faults(kV2, {"sequence 1, column 1 (element 4)",
                             "the new position inputPositions[4] + acceptedNumOptional[1] + 1 = -5 + 2 + 1 is negative",
                             "got -2"}));
}

TEST(V2Fault, BlockIndexLeavesTable) {
  CallCase c = CallCase::speculative_v2();
  c.set(kPositions, {0, 1, 2, 4, 5, 20}, {6});  // sequence 1: p = 23, block 5 from row start 3 of 6
  EXPECT_TRUE(c.faults(kV2, {"sequence 1, column 2", "position 23 / blockSize 4 = 5",
                             "reads entry 1 * W + 5 = 8 of blockTables, past its end",
                             "expected a block index below 3", "got 5)", "2 rows of W = 3 (6 entries)"}));
}

TEST(V2Fault, HugeBlockIndexInALaterRowIsPastTheEnd) {
  CallCase c = CallCase::speculative_v2();
  c.block_size = 1;
  c.set(kPositions, {0, 1, 2, kMax - 4, 5, 6}, {6});  // sequence 1: p = 2^63 - 2, entry 3 + p
  EXPECT_TRUE(c.faults(kV2, {"sequence 1, column 0", "block index = position 9223372036854775806 / blockSize 1",
                             "reads entry 1 * W + 9223372036854775806 = 9223372036854775809 of blockTables, past its end",
                             "expected a block index below 3", "got 9223372036854775806)"}));
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
  EXPECT_TRUE(c.faults(kV2, {"sequence 0, column 2", "blockTables[0 * W + 1] = blockTables[1] (block index = position 4",
                             "negative block id", "got -7"}));
}

TEST(V2Fault, SlotOverflow) {
  CallCase c = CallCase::speculative_v2();
  c.set(kTables, {0, 1, 2, 3, 4, kMax / 4 + 1}, {2, 3});  // sequence 1 reaches bt[5] at p = 8
  EXPECT_TRUE(c.faults(kV2, {"sequence 1, column 1", "exceeds 2^63 - 1", "blockTables[1 * W + 2] = blockTables[5], position 8)",
                             "expected a block id at most (2^63 - 1 - 0) / 4 = 2305843009213693951",
                             "got 2305843009213693952"}));
}

TEST(V2Fault, PositionOverflow) {
  CallCase c = CallCase::speculative_v2();
  c.set(kPositions, {kMax, 1, 2, 4, 5, 6}, {6});
  EXPECT_TRUE(c.faults(kV2, {"sequence 0, column 0",
                             "the new position inputPositions[0] + acceptedNumOptional[0] + 1 = 9223372036854775807 + 1 + 1 exceeds 2^63 - 1",
                             "expected a new position at most 2^63 - 1 = 9223372036854775807",
                             "got 9223372036854775809"}));
}

TEST(V2Fault, WithoutOptionalsV1FaultsApply) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, {0, -8, 2, 3, 4, 5, 6, 7}, {8, 1});
  EXPECT_TRUE(c.faults(kV2, {"sequence 1:", "seqLens[1] is negative", "got -8"}));
}

}  // namespace
}  // namespace advstep::testing
