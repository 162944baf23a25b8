// aclnnAdvanceStepGetWorkspaceSize refuses every bad argument of spec section 4, in the spec's order,
// with CANN's code, a message naming parameter, expected and received values, and no tensor touched.
#include <gtest/gtest.h>

#include <vector>

#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

constexpr bool kV1 = false;
constexpr int32_t kNull = 161001;     // ACLNN_ERR_PARAM_NULLPTR
constexpr int32_t kInvalid = 161002;  // ACLNN_ERR_PARAM_INVALID
constexpr int32_t kRange = 561002;    // ACLNN_ERR_INNER_TILING_ERROR

const std::vector<int64_t> kEight = {0, 1, 2, 3, 4, 5, 6, 7};

TEST(V1Phase1, OfficialArgumentsPass) {
  CallCase c = CallCase::official_v1();
  c.workspace_size = 99;
  ASSERT_TRUE(c.runs(kV1));
  EXPECT_EQ(c.workspace_size, 0u);  // the host kernel needs no scratch memory
  EXPECT_EQ(c.values(kSeqLens), (std::vector<int64_t>{1, 2, 3, 4, 4, 5, 6, 7}));
}

// ---- step 1: null pointers -----------------------------------------------------------------------

TEST(V1Phase1, EachNullTensor) {
  const char* names[] = {"inputTokens", "sampledTokenIds", "inputPositions", "seqLens", "slotMapping", "blockTables"};
  for (size_t r = kTokens; r <= kTables; ++r) {
    SCOPED_TRACE(names[r]);
    CallCase c = CallCase::official_v1();
    c.drop(static_cast<Role>(r));
    EXPECT_TRUE(c.refused(kV1, kNull, {names[r], "must not be null", "got nullptr"}));
  }
}

TEST(V1Phase1, NullWorkspaceSize) {
  CallCase c = CallCase::official_v1();
  c.pass_workspace_size = false;
  EXPECT_TRUE(c.refused(kV1, kNull, {"workspaceSize", "got nullptr"}));
}

TEST(V1Phase1, NullExecutor) {
  CallCase c = CallCase::official_v1();
  c.pass_executor = false;
  EXPECT_TRUE(c.refused(kV1, kNull, {"executor", "got nullptr"}));
}

// ---- step 2: dtypes ------------------------------------------------------------------------------

TEST(V1Phase1, EachTensorMustBeInt64) {
  const char* names[] = {"inputTokens", "sampledTokenIds", "inputPositions", "seqLens", "slotMapping", "blockTables"};
  for (size_t r = kTokens; r <= kTables; ++r) {
    SCOPED_TRACE(names[r]);
    CallCase c = CallCase::official_v1();
    const std::vector<int64_t> shape = r == kSampled ? std::vector<int64_t>{4, 1} : std::vector<int64_t>{8, 1};
    c.tensors[r] = DeviceTensor::int32(std::vector<int32_t>(r == kSampled ? 4 : 8, 1), shape);
    EXPECT_TRUE(c.refused(kV1, kInvalid, {names[r], "dtype", "expected INT64", "got INT32"}));
  }
}

TEST(V1Phase1, FloatDtypeNamed) {
  CallCase c = CallCase::official_v1();
  c.set(kSlots, kEight, {8, 1}, ACL_DOUBLE);
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"slotMapping", "expected INT64", "got DOUBLE"}));
}

// ---- step 3: attributes --------------------------------------------------------------------------

TEST(V1Phase1, NumSeqsBelowOne) {
  CallCase c = CallCase::official_v1();
  c.num_seqs = 0;
  EXPECT_TRUE(c.refused(kV1, kRange, {"numSeqs", "expected >= 1", "got 0"}));
}

TEST(V1Phase1, NumQueriesBelowOne) {
  CallCase c = CallCase::official_v1();
  c.num_queries = -3;
  EXPECT_TRUE(c.refused(kV1, kRange, {"numQueries", "expected >= 1", "got -3"}));
}

TEST(V1Phase1, BlockSizeBelowOne) {
  CallCase c = CallCase::official_v1();
  c.block_size = 0;
  EXPECT_TRUE(c.refused(kV1, kRange, {"blockSize", "expected >= 1", "got 0"}));
}

TEST(V1Phase1, NumSeqsAtCannLimit) {
  CallCase c = CallCase::official_v1();
  c.num_seqs = 200000000;
  EXPECT_TRUE(c.refused(kV1, kRange, {"numSeqs", "expected < 200000000", "got 200000000"}));
}

TEST(V1Phase1, NumSeqsMustExceedNumQueries) {
  CallCase c = CallCase::official_v1();
  c.num_queries = 8;
  EXPECT_TRUE(c.refused(kV1, kRange, {"numSeqs", "numQueries", "expected > 8", "got 8"}));
  c.num_queries = 9;
  EXPECT_TRUE(c.refused(kV1, kRange, {"numSeqs", "expected > 9", "got 8"}));
}

// ---- step 4: shapes ------------------------------------------------------------------------------

TEST(V1Phase1, SeqLensDimZero) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, kEight, {7, 1});
  EXPECT_TRUE(c.refused(kV1, kRange, {"seqLens dim 0 must equal numSeqs", "expected 8", "got 7"}));
}

TEST(V1Phase1, EachPerSequenceDimZero) {
  const std::pair<Role, const char*> roles[] = {
      {kTokens, "inputTokens"}, {kPositions, "inputPositions"}, {kSlots, "slotMapping"}, {kTables, "blockTables"}};
  for (const auto& [role, name] : roles) {
    SCOPED_TRACE(name);
    CallCase c = CallCase::official_v1();
    c.set(role, kEight, {9});
    EXPECT_TRUE(c.refused(kV1, kRange, {name, "dim 0", "expected 8", "got 9"}));
  }
}

TEST(V1Phase1, PerSequenceTensorsHoldExactlyNumSeqs) {
  CallCase c = CallCase::official_v1();
  c.set(kPositions, std::vector<int64_t>(16, 0), {8, 2});
  EXPECT_TRUE(c.refused(kV1, kRange, {"inputPositions", "expected [8] or [8, 1]", "got [8, 2]"}));
}

TEST(V1Phase1, FlatPerSequenceTensorsPass) {
  CallCase c = CallCase::official_v1();
  for (Role role : {kTokens, kPositions, kSeqLens, kSlots, kTables}) c.set(role, kEight, {8});
  ASSERT_TRUE(c.runs(kV1));
  EXPECT_EQ(c.values(kSlots), (std::vector<int64_t>{0, 3, 6, 9, -1, -1, -1, -1}));
}

TEST(V1Phase1, RankThreeRefused) {
  CallCase c = CallCase::official_v1();
  c.set(kTokens, kEight, {8, 1, 1});
  EXPECT_TRUE(c.refused(kV1, kRange, {"inputTokens", "expected [8] or [8, 1]", "got [8, 1, 1]"}));
}

TEST(V1Phase1, SampledMustBeQueriesByOne) {
  CallCase c = CallCase::official_v1();
  c.set(kSampled, {0, 1, 2}, {3, 1});
  EXPECT_TRUE(c.refused(kV1, kRange, {"sampledTokenIds dim 0 must equal numQueries", "expected 4", "got 3"}));
  c.set(kSampled, kEight, {4, 2});
  EXPECT_TRUE(c.refused(kV1, kRange, {"sampledTokenIds", "expected [4, 1]", "got [4, 2]"}));
  c.set(kSampled, {0, 1, 2, 3}, {4});
  EXPECT_TRUE(c.refused(kV1, kRange, {"sampledTokenIds", "expected [4, 1]", "got [4]"}));
}

TEST(V1Phase1, BlockTablesNeedAColumn) {
  CallCase c = CallCase::official_v1();
  c.set(kTables, {}, {8, 0});
  EXPECT_TRUE(c.refused(kV1, kRange, {"blockTables", "at least one block", "got [8, 0]"}));
}

// ---- step 5: layout and memory -------------------------------------------------------------------

TEST(V1Phase1, HostVectorAsData) {
  CallCase c = CallCase::official_v1();
  std::vector<int64_t> host = kEight;
  const TensorPtr tensor = make_tensor(host.data(), {8, 1});
  c.use(kSeqLens, tensor.get());
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"seqLens", "device memory from aclrtMalloc", "expected", "got"}));
  EXPECT_EQ(host, kEight);
}

TEST(V1Phase1, MallocHostMemoryIsNotDevice) {
  CallCase c = CallCase::official_v1();
  void* host = nullptr;
  ASSERT_EQ(aclrtMallocHost(&host, 64), ACL_SUCCESS);
  const TensorPtr tensor = make_tensor(host, {8, 1});
  c.use(kSlots, tensor.get());
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"slotMapping", "device memory"}));
  EXPECT_EQ(aclrtFreeHost(host), ACL_SUCCESS);
}

TEST(V1Phase1, FreedBlock) {
  CallCase c = CallCase::official_v1();
  void* block = nullptr;
  ASSERT_EQ(aclrtMalloc(&block, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  ASSERT_EQ(aclrtFree(block), ACL_SUCCESS);
  const TensorPtr tensor = make_tensor(block, {8, 1});  // never dereferenced: the check comes first
  c.use(kPositions, tensor.get());
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"inputPositions", "device memory", "freed"}));
}

TEST(V1Phase1, TensorRunsPastItsBlock) {
  CallCase c = CallCase::official_v1();
  const DeviceTensor short_block(std::vector<int64_t>(7, 1), {7});  // 56 bytes for 64 bytes of view
  const TensorPtr tensor = make_tensor(short_block.address(), {8, 1});
  c.use(kTables, tensor.get());
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"blockTables", "runs past the end", "56 bytes", "got 64 bytes"}));
}

TEST(V1Phase1, OffsetRunsPastItsBlock) {
  CallCase c = CallCase::official_v1();
  const DeviceTensor block(std::vector<int64_t>(9, 1), {9});
  const TensorPtr fits = make_tensor(block.address(), {8, 1}, {}, 1);
  c.use(kTables, fits.get());
  EXPECT_TRUE(c.runs(kV1));  // elements 1..8 of a 9-element block: inside
  CallCase d = CallCase::official_v1();
  const TensorPtr past = make_tensor(block.address(), {8, 1}, {}, 2);
  d.use(kTables, past.get());
  EXPECT_TRUE(d.refused(kV1, kInvalid, {"blockTables", "runs past the end", "at most 56 bytes", "got 64 bytes"}));
}

TEST(V1Phase1, NegativeOffset) {
  CallCase c = CallCase::official_v1();
  const TensorPtr tensor = make_tensor(c.tensors[kTokens].address(), {8, 1}, {}, -1);
  c.use(kTokens, tensor.get());
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"inputTokens offset", "expected >= 0", "got -1"}));
}

TEST(V1Phase1, NonContiguousStrides) {
  CallCase c = CallCase::official_v1();
  const DeviceTensor wide(std::vector<int64_t>(16, 0), {16});
  const TensorPtr tensor = make_tensor(wide.address(), {8, 1}, {2, 1});
  c.use(kSlots, tensor.get());
  const auto wide_before = wide.raw();
  EXPECT_TRUE(
      c.refused(kV1, kInvalid, {"slotMapping must be contiguous", "expected strides [1, 1]", "got strides [2, 1]"}));
  EXPECT_EQ(wide.raw(), wide_before);
}

TEST(V1Phase1, UnitDimStrideIgnored) {
  CallCase c = CallCase::official_v1();
  const TensorPtr tensor = make_tensor(c.tensors[kSlots].address(), {8, 1}, {1, 5});  // dim 1 has one element
  c.use(kSlots, tensor.get());
  EXPECT_TRUE(c.runs(kV1));
  EXPECT_EQ(c.values(kSlots), (std::vector<int64_t>{0, 3, 6, 9, -1, -1, -1, -1}));
}

TEST(V1Phase1, WrittenTensorsMustNotOverlap) {
  CallCase c = CallCase::official_v1();
  const TensorPtr alias = make_tensor(c.tensors[kTokens].address(), {8, 1});
  c.use(kPositions, alias.get());
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"inputTokens overlaps inputPositions", "expected disjoint memory"}));
}

TEST(V1Phase1, PartialOverlapWithReadOnlyInput) {
  CallCase c = CallCase::official_v1();
  const DeviceTensor shared(std::vector<int64_t>(12, 0), {12});
  const TensorPtr lens = make_tensor(shared.address(), {8, 1});
  const TensorPtr tables = make_tensor(shared.address(), {8, 1}, {}, 4);  // elements 4..11 meet 0..7
  c.use(kSeqLens, lens.get());
  c.use(kTables, tables.get());
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"seqLens overlaps blockTables", "expected disjoint memory", "got bytes"}));
}

TEST(V1Phase1, ReadOnlyInputsMayShareMemory) {
  CallCase c = CallCase::official_v1();
  const TensorPtr sampled = make_tensor(c.tensors[kTables].address(), {4, 1});  // the table's first four ids
  c.use(kSampled, sampled.get());
  ASSERT_TRUE(c.runs(kV1));
  EXPECT_EQ(c.values(kTokens), (std::vector<int64_t>{0, 1, 2, 3, 0, 0, 0, 0}));
}

// ---- order: the earlier check wins ---------------------------------------------------------------

TEST(V1Phase1Order, NullBeforeDtype) {
  CallCase c = CallCase::official_v1();
  c.tensors[kTokens] = DeviceTensor::int32(std::vector<int32_t>(8, 0), {8, 1});
  c.drop(kTables);
  EXPECT_TRUE(c.refused(kV1, kNull, {"blockTables", "nullptr"}));
}

TEST(V1Phase1Order, TensorsInParameterOrder) {
  CallCase c = CallCase::official_v1();
  c.drop(kSlots);
  c.drop(kSeqLens);
  EXPECT_TRUE(c.refused(kV1, kNull, {"seqLens must not be null"}));
}

TEST(V1Phase1Order, NullTensorBeforeNullOutPointers) {
  CallCase c = CallCase::official_v1();
  c.pass_executor = false;
  c.drop(kSampled);
  EXPECT_TRUE(c.refused(kV1, kNull, {"sampledTokenIds must not be null"}));
}

TEST(V1Phase1Order, DtypeBeforeAttributes) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, kEight, {8, 1}, ACL_FLOAT);
  c.block_size = 0;
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"seqLens", "got FLOAT"}));
}

TEST(V1Phase1Order, AttributesBeforeShapes) {
  CallCase c = CallCase::official_v1();
  c.set(kSeqLens, kEight, {7, 1});
  c.num_queries = 0;
  EXPECT_TRUE(c.refused(kV1, kRange, {"numQueries", "got 0"}));
}

TEST(V1Phase1Order, ShapesBeforeMemory) {
  CallCase c = CallCase::official_v1();
  std::vector<int64_t> host = kEight;
  const TensorPtr host_tokens = make_tensor(host.data(), {8, 1});
  c.use(kTokens, host_tokens.get());
  c.set(kSampled, {0, 1, 2}, {3, 1});
  EXPECT_TRUE(c.refused(kV1, kRange, {"sampledTokenIds", "expected 4", "got 3"}));
}

TEST(V1Phase1Order, LayoutAndMemoryInParameterOrder) {
  CallCase c = CallCase::official_v1();
  std::vector<int64_t> host = kEight;
  const TensorPtr host_slots = make_tensor(host.data(), {8, 1});
  const TensorPtr shifted = make_tensor(c.tensors[kPositions].address(), {8, 1}, {}, -2);
  c.use(kSlots, host_slots.get());
  c.use(kPositions, shifted.get());
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"inputPositions offset", "got -2"}));
}

TEST(V1Phase1Order, MemoryBeforeOverlap) {
  CallCase c = CallCase::official_v1();
  std::vector<int64_t> host = kEight;
  const TensorPtr host_tables = make_tensor(host.data(), {8, 1});
  const TensorPtr alias = make_tensor(c.tensors[kTokens].address(), {8, 1});
  c.use(kSlots, alias.get());
  c.use(kTables, host_tables.get());
  EXPECT_TRUE(c.refused(kV1, kInvalid, {"blockTables", "device memory"}));
}

}  // namespace
}  // namespace advstep::testing
