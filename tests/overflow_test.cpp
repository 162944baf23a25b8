// Sizes, strides and extents whose products overflow int64 (or size_t): refused with a message
// before the product is computed, never wrapped into a small value that passes the later checks.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step_v2.h"
#include "advstep/tensor_view.hpp"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

constexpr int64_t k2To62 = int64_t{1} << 62;

TEST(OverflowingShapes, CreateTensorRefusesRowMajorStridesItCannotCompute) {
  const std::vector<int64_t> dims = {3, k2To62};
  int64_t word = 0;
  clear_messages();
  aclTensor* tensor = aclCreateTensor(dims.data(), dims.size(), ACL_INT64, nullptr, 0, ACL_FORMAT_ND, dims.data(),
                                      dims.size(), &word);
  EXPECT_EQ(tensor, nullptr);
  EXPECT_TRUE(message_has("aclCreateTensor", {"viewDims", "2^63", "stride is null", "got [3, 4611686018427387904]"}));
  if (tensor != nullptr) (void)aclDestroyTensor(tensor);
}

TEST(OverflowingShapes, InitTensorRefusesThemTooAndKeepsTheTensor) {
  const std::vector<int64_t> small = {2, 1};
  int64_t words[2] = {};
  TensorPtr tensor = make_tensor(words, small);
  const std::vector<int64_t> dims = {k2To62, 2, 2};
  clear_messages();
  EXPECT_EQ(aclInitTensor(tensor.get(), dims.data(), dims.size(), ACL_INT64, nullptr, 0, ACL_FORMAT_ND, nullptr, 0,
                          nullptr),
            ACLNN_ERR_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclInitTensor", {"viewDims", "2^63"}));
  int64_t* shape = nullptr;
  uint64_t rank = 0;
  ASSERT_EQ(aclGetViewShape(tensor.get(), &shape, &rank), ACL_SUCCESS);
  EXPECT_EQ(std::vector<int64_t>(shape, shape + rank), small);
  delete[] shape;
}

TEST(OverflowingShapes, ExplicitStridesAreKeptAndTheShapeIsRefusedByTheOperator) {
  CallCase c = CallCase::official_v1();
  const std::vector<int64_t> dims = {8, k2To62};
  const std::vector<int64_t> strides = {1, 1};
  aclTensor* huge = aclCreateTensor(dims.data(), dims.size(), ACL_INT64, strides.data(), 0, ACL_FORMAT_ND, dims.data(),
                                    dims.size(), c.tensors[kTables].address());
  ASSERT_NE(huge, nullptr);
  c.use(kTables, huge);
  EXPECT_TRUE(c.refused(false, ACLNN_ERR_INNER_TILING_ERROR, {"blockTables must be"}));
  (void)aclDestroyTensor(huge);
}

TEST(OverflowingShapes, SpeculativeWidthWhoseTokenCountOverflowsIsRefused) {
  CallCase c = CallCase::speculative_v2();  // N = 2
  // numel 2 * (2^62 - 1) fits, but N * (S + 1) = 2^63 does not.
  TensorPtr spec = make_tensor(c.tensors[kSpec].address(), {2, k2To62 - 1});
  c.use(kSpec, spec.get());
  EXPECT_TRUE(c.refused(true, ACLNN_ERR_INNER_TILING_ERROR,
                        {"specTokenOptional dim 1 (S)", "within int64", "S <= 4611686018427387902",
                         "got 4611686018427387903"}));
  TensorPtr widest = make_tensor(c.tensors[kSpec].address(), {1, std::numeric_limits<int64_t>::max()});
  c.use(kSpec, widest.get());
  EXPECT_TRUE(c.refused(true, ACLNN_ERR_INNER_TILING_ERROR, {"specTokenOptional"}));
}

TEST(OverflowingShapes, MallocOfMoreThanAnAddressSpaceFails) {
  void* block = nullptr;
  clear_messages();
  EXPECT_EQ(aclrtMalloc(&block, std::numeric_limits<size_t>::max(), ACL_MEM_MALLOC_HUGE_FIRST),
            ACL_ERROR_RT_MEMORY_ALLOCATION);
  EXPECT_EQ(block, nullptr);
  EXPECT_TRUE(message_has("aclrtMalloc", {"out of device memory"}));
}

TEST(OverflowingShapes, NativeViewOfAnOverflowingShapeComputesNoWrappedStride) {
  int64_t word = 0;
  const TensorView v = view(&word, {3, k2To62, 2});
  EXPECT_EQ(v.rank, 3);
  EXPECT_EQ(v.strides[2], 1);
  EXPECT_EQ(v.strides[1], 2);
}

}  // namespace
}  // namespace advstep::testing
