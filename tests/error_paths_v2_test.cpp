// aclnnAdvanceStepV2GetWorkspaceSize: path selection, the speculative path's shapes and attributes,
// and the checks of spec section 4 in order, each with its code, message and untouched tensors.
#include <gtest/gtest.h>

#include <vector>

#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

constexpr bool kV2 = true;
constexpr int32_t kNull = 161001;
constexpr int32_t kInvalid = 161002;
constexpr int32_t kRange = 561002;

const std::vector<int64_t> kSix = {0, 1, 2, 3, 4, 5};

void expect_speculative_result(const CallCase& c) {
  const SpeculativeResult want = speculative_expected();
  EXPECT_EQ(c.values(kTokens), want.tokens);
  EXPECT_EQ(c.values(kPositions), want.positions);
  EXPECT_EQ(c.values(kSeqLens), want.seq_lens);
  EXPECT_EQ(c.values(kSlots), want.slots);
}

// ---- path selection ------------------------------------------------------------------------------

TEST(V2Path, BothOptionalsNullIsV1) {
  CallCase c = CallCase::official_v1();
  ASSERT_TRUE(c.runs(kV2));
  EXPECT_EQ(c.values(kTokens), (std::vector<int64_t>{0, 1, 2, 3, 0, 0, 0, 0}));
  EXPECT_EQ(c.values(kPositions), (std::vector<int64_t>{0, 1, 2, 3, 0, 0, 0, 0}));
  EXPECT_EQ(c.values(kSeqLens), (std::vector<int64_t>{1, 2, 3, 4, 4, 5, 6, 7}));
  EXPECT_EQ(c.values(kSlots), (std::vector<int64_t>{0, 3, 6, 9, -1, -1, -1, -1}));
}

TEST(V2Path, BothOptionalsEmptyIsV1) {
  CallCase c = CallCase::official_v1();
  c.set(kSpec, {}, {8, 0});
  c.set(kAccepted, {}, {0});
  ASSERT_TRUE(c.runs(kV2));
  EXPECT_EQ(c.values(kSlots), (std::vector<int64_t>{0, 3, 6, 9, -1, -1, -1, -1}));
}

TEST(V2Path, WithoutOptionalsAllV1RulesHold) {
  CallCase c = CallCase::official_v1();
  c.num_queries = 8;
  EXPECT_TRUE(c.refused(kV2, kRange, {"numSeqs must be greater than numQueries", "expected > 8", "got 8"}));
  CallCase d = CallCase::official_v1();
  d.set(kSampled, {0, 1, 2, 3}, {4});
  EXPECT_TRUE(d.refused(kV2, kRange, {"sampledTokenIds", "expected [4, 1]", "got [4]"}));
}

TEST(V2Path, OnlySpecTokenGiven) {
  CallCase c = CallCase::speculative_v2();
  c.drop(kAccepted);
  EXPECT_TRUE(c.refused(kV2, kNull,
                        {"acceptedNumOptional must be given together with specTokenOptional",
                         "expected both or neither", "got specTokenOptional only (acceptedNumOptional null)"}));
}

TEST(V2Path, OnlyAcceptedNumGiven) {
  CallCase c = CallCase::speculative_v2();
  c.drop(kSpec);
  EXPECT_TRUE(c.refused(kV2, kNull, {"specTokenOptional", "got acceptedNumOptional only"}));
}

TEST(V2Path, OneOptionalEmpty) {
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {}, {0});
  EXPECT_TRUE(c.refused(kV2, kNull, {"acceptedNumOptional", "got specTokenOptional only (acceptedNumOptional empty, shape [0])"}));
  CallCase d = CallCase::speculative_v2();
  d.set(kSpec, {}, {2, 0});
  EXPECT_TRUE(d.refused(kV2, kNull, {"specTokenOptional", "got acceptedNumOptional only (specTokenOptional empty, shape [2, 0])"}));
}

TEST(V2Path, BothGivenIsSpeculative) {
  CallCase c = CallCase::speculative_v2();
  ASSERT_TRUE(c.runs(kV2));
  expect_speculative_result(c);
  EXPECT_EQ(c.values(kSampled), (std::vector<int64_t>{10, 11, -1, 20, 21, 22}));  // inputs stay
}

TEST(V2Path, MatrixPerTokenTensors) {
  CallCase c = CallCase::speculative_v2();
  for (Role role : {kTokens, kPositions, kSeqLens, kSlots}) c.set(role, c.values(role), {2, 3});
  ASSERT_TRUE(c.runs(kV2));
  expect_speculative_result(c);
}

// ---- null pointers and dtypes --------------------------------------------------------------------

TEST(V2Phase1, NullRequiredTensor) {
  CallCase c = CallCase::speculative_v2();
  c.drop(kSampled);
  EXPECT_TRUE(c.refused(kV2, kNull, {"sampledTokenIds must not be null", "got nullptr"}));
}

TEST(V2Phase1, NullOutPointers) {
  CallCase c = CallCase::speculative_v2();
  c.pass_workspace_size = false;
  EXPECT_TRUE(c.refused(kV2, kNull, {"workspaceSize", "nullptr"}));
  c.pass_workspace_size = true;
  c.pass_executor = false;
  EXPECT_TRUE(c.refused(kV2, kNull, {"executor", "nullptr"}));
}

TEST(V2Phase1, OptionalsMustBeInt64) {
  CallCase c = CallCase::speculative_v2();
  c.tensors[kSpec] = DeviceTensor::int32({1, 2, 3, 4}, {2, 2});
  EXPECT_TRUE(c.refused(kV2, kInvalid, {"specTokenOptional", "expected INT64", "got INT32"}));
  CallCase d = CallCase::speculative_v2();
  d.tensors[kAccepted] = DeviceTensor::int32({1, 1}, {2});
  EXPECT_TRUE(d.refused(kV2, kInvalid, {"acceptedNumOptional", "expected INT64", "got INT32"}));
}

TEST(V2Phase1, RequiredTensorMustBeInt64) {
  CallCase c = CallCase::speculative_v2();
  c.tensors[kTables] = DeviceTensor::int32({0, 1, 2, 3, 4, 5}, {2, 3});
  EXPECT_TRUE(c.refused(kV2, kInvalid, {"blockTables", "expected INT64", "got INT32"}));
}

// ---- attributes ----------------------------------------------------------------------------------

TEST(V2Phase1, NumQueriesMustEqualNumSeqs) {
  CallCase c = CallCase::speculative_v2();
  c.num_queries = 1;
  EXPECT_TRUE(c.refused(kV2, kRange, {"numQueries must equal numSeqs", "expected 2", "got 1"}));
}

TEST(V2Phase1, AttributeFloors) {
  CallCase c = CallCase::speculative_v2();
  c.block_size = -4;
  EXPECT_TRUE(c.refused(kV2, kRange, {"blockSize", "expected >= 1", "got -4"}));
  c.block_size = 4;
  c.num_seqs = 200000001;
  c.num_queries = 200000001;
  EXPECT_TRUE(c.refused(kV2, kRange, {"numSeqs", "expected < 200000000", "got 200000001"}));
}

// ---- shapes --------------------------------------------------------------------------------------

TEST(V2Shapes, PerTokenFlatLength) {
  CallCase c = CallCase::speculative_v2();
  c.set(kSeqLens, {9, 9, 9, 9, 9}, {5});
  EXPECT_TRUE(c.refused(kV2, kRange, {"seqLens dim 0 must equal numSeqs * E (E = S + 1 = 3, S from dim 1 of specTokenOptional)",
                                     "expected 6", "got 5"}));
}

TEST(V2Shapes, PerTokenMatrixWidth) {
  CallCase c = CallCase::speculative_v2();
  c.set(kSlots, std::vector<int64_t>(8, 0), {2, 4});
  EXPECT_TRUE(c.refused(kV2, kRange, {"slotMapping", "expected [6] or [2, 3]", "got [2, 4]"}));
}

TEST(V2Shapes, PerTokenMatrixRows) {
  CallCase c = CallCase::speculative_v2();
  c.set(kPositions, std::vector<int64_t>(9, 0), {3, 3});
  EXPECT_TRUE(c.refused(kV2, kRange, {"inputPositions dim 0 must equal numSeqs", "expected 2", "got 3"}));
}

TEST(V2Shapes, SampledMustBeSeqsByTokens) {
  CallCase c = CallCase::speculative_v2();
  c.set(kSampled, {10, 11, -1, 20, 21, 22}, {6});
  EXPECT_TRUE(c.refused(kV2, kRange, {"sampledTokenIds", "expected [2, 3]", "got [6]"}));
  c.set(kSampled, {10, 11, 20, 21}, {2, 2});
  EXPECT_TRUE(c.refused(kV2, kRange, {"sampledTokenIds", "expected [2, 3]", "got [2, 2]"}));
}

TEST(V2Shapes, SpecTokenMustBeSeqsBySpec) {
  CallCase c = CallCase::speculative_v2();
  c.set(kSpec, {100, 101, 200, 201}, {4});
  EXPECT_TRUE(c.refused(kV2, kRange, {"specTokenOptional must be [N, S]", "expected [2, S >= 1]", "got [4]"}));
  c.set(kSpec, {100, 101, 200, 201, 300, 301}, {3, 2});
  EXPECT_TRUE(c.refused(kV2, kRange, {"specTokenOptional dim 0 must equal numSeqs", "expected 2", "got 3"}));
}

TEST(V2Shapes, SpecWidthSetsTokensPerSequence) {
  // S is read from specToken: with S = 3 every per-token tensor must hold 2 * 4 elements.
  CallCase c = CallCase::speculative_v2();
  c.set(kSpec, {100, 101, 102, 200, 201, 202}, {2, 3});
  EXPECT_TRUE(c.refused(kV2, kRange, {"inputTokens dim 0 must equal numSeqs * E (E = S + 1 = 4", "expected 8", "got 6"}));
}

TEST(V2Shapes, AcceptedNumMustBeFlat) {
  CallCase c = CallCase::speculative_v2();
  c.set(kAccepted, {1, 2}, {2, 1});
  EXPECT_TRUE(c.refused(kV2, kRange, {"acceptedNumOptional", "expected [2]", "got [2, 1]"}));
  c.set(kAccepted, {1, 2, 0}, {3});
  EXPECT_TRUE(c.refused(kV2, kRange, {"acceptedNumOptional dim 0", "expected 2", "got 3"}));
}

TEST(V2Shapes, BlockTablesMustBeMatrix) {
  CallCase c = CallCase::speculative_v2();
  c.set(kTables, {0, 1}, {2});
  EXPECT_TRUE(c.refused(kV2, kRange, {"blockTables must be [N, W]", "expected [2, W >= 1]", "got [2]"}));
  c.set(kTables, kSix, {3, 2});
  EXPECT_TRUE(c.refused(kV2, kRange, {"blockTables dim 0 must equal numSeqs", "expected 2", "got 3"}));
}

// ---- memory --------------------------------------------------------------------------------------

TEST(V2Memory, OptionalOnHostMemory) {
  CallCase c = CallCase::speculative_v2();
  std::vector<int64_t> host = {1, 2};
  const TensorPtr accepted = make_tensor(host.data(), {2});
  c.use(kAccepted, accepted.get());
  EXPECT_TRUE(c.refused(kV2, kInvalid, {"acceptedNumOptional", "device memory from aclrtMalloc"}));
}

TEST(V2Memory, OptionalRunsPastItsBlock) {
  CallCase c = CallCase::speculative_v2();
  const DeviceTensor block({100, 101, 200}, {3});
  const TensorPtr spec = make_tensor(block.address(), {2, 2});
  c.use(kSpec, spec.get());
  EXPECT_TRUE(c.refused(kV2, kInvalid, {"specTokenOptional", "runs past the end", "got 32 bytes"}));
}

TEST(V2Memory, OptionalOverlapsWrittenTensor) {
  CallCase c = CallCase::speculative_v2();
  const TensorPtr accepted = make_tensor(c.tensors[kSlots].address(), {2});
  c.use(kAccepted, accepted.get());
  EXPECT_TRUE(c.refused(kV2, kInvalid, {"slotMapping overlaps acceptedNumOptional", "expected disjoint memory"}));
}

TEST(V2Memory, OptionalNonContiguous) {
  CallCase c = CallCase::speculative_v2();
  const DeviceTensor wide(std::vector<int64_t>(8, 7), {8});
  const TensorPtr spec = make_tensor(wide.address(), {2, 2}, {4, 2});
  c.use(kSpec, spec.get());
  EXPECT_TRUE(c.refused(kV2, kInvalid,
                        {"specTokenOptional must be contiguous", "expected strides [2, 1]", "got strides [4, 2]"}));
}

// ---- order ---------------------------------------------------------------------------------------

TEST(V2Order, RequiredNullBeforeOptionalPairing) {
  CallCase c = CallCase::speculative_v2();
  c.drop(kAccepted);
  c.drop(kSlots);
  EXPECT_TRUE(c.refused(kV2, kNull, {"slotMapping must not be null"}));
}

TEST(V2Order, PairingBeforeDtype) {
  CallCase c = CallCase::speculative_v2();
  c.drop(kSpec);
  c.set(kSeqLens, {9, 9, 9, 9, 9, 9}, {6}, ACL_INT32);
  EXPECT_TRUE(c.refused(kV2, kNull, {"specTokenOptional must be given together"}));
}

TEST(V2Order, DtypeBeforeNumQueries) {
  CallCase c = CallCase::speculative_v2();
  c.tensors[kAccepted] = DeviceTensor::int32({1, 1}, {2});
  c.num_queries = 1;
  EXPECT_TRUE(c.refused(kV2, kInvalid, {"acceptedNumOptional", "got INT32"}));
}

TEST(V2Order, NumQueriesBeforeShapes) {
  CallCase c = CallCase::speculative_v2();
  c.num_queries = 3;
  c.set(kSampled, {1, 2}, {2, 1});
  EXPECT_TRUE(c.refused(kV2, kRange, {"numQueries must equal numSeqs", "got 3"}));
}

TEST(V2Order, SpecTokenShapeFirst) {
  CallCase c = CallCase::speculative_v2();
  c.set(kTokens, {1}, {1});
  c.set(kSpec, {100, 101, 200, 201}, {1, 4});
  EXPECT_TRUE(c.refused(kV2, kRange, {"specTokenOptional dim 0", "expected 2", "got 1"}));
}

TEST(V2Order, ShapesBeforeMemory) {
  CallCase c = CallCase::speculative_v2();
  std::vector<int64_t> host = kSix;
  const TensorPtr host_tokens = make_tensor(host.data(), {6});
  c.use(kTokens, host_tokens.get());
  c.set(kAccepted, {1, 1, 1}, {3});
  EXPECT_TRUE(c.refused(kV2, kRange, {"acceptedNumOptional dim 0", "got 3"}));
}

}  // namespace
}  // namespace advstep::testing
