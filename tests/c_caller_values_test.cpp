// A C caller may pass any integer where a header names an enum, and any count: each is checked as an
// integer before it becomes an enum or sizes an allocation, refused with a code and a message, and no
// exception crosses the C boundary. (UBSan in the debug-sanitize build watches the enum loads.)
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "aclnn/aclnn_base.h"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

/// What a C caller's int becomes when it is passed where the header says @p Enum.
template <typename Enum>
Enum from_c(int64_t value) {
  return static_cast<Enum>(value);
}

TEST(CallerEnums, MemInfoAttrOutOfRange) {
  size_t free = 1, total = 2;
  clear_messages();
  EXPECT_EQ(aclrtGetMemInfo(from_c<aclrtMemAttr>(999), &free, &total), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtGetMemInfo", {"attr must name a kind of memory", "got 999"}));
  EXPECT_EQ(aclrtGetMemInfo(from_c<aclrtMemAttr>(-1), &free, &total), ACL_ERROR_INVALID_PARAM);
  clear_messages();
  EXPECT_EQ(free, 1u);
  EXPECT_EQ(total, 2u);
}

TEST(CallerEnums, CopyKindOutOfRange) {
  std::vector<uint8_t> a(8, 1), b(8, 2);
  clear_messages();
  EXPECT_EQ(aclrtMemcpy(a.data(), 8, b.data(), 8, from_c<aclrtMemcpyKind>(99)), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"kind must name a copy direction", "got 99"}));
  const StreamHandle stream(true);
  EXPECT_EQ(aclrtMemcpyAsync(a.data(), 8, b.data(), 8, from_c<aclrtMemcpyKind>(-7), stream.get()),
            ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMemcpyAsync", {"kind must name a copy direction", "got -7"}));
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  EXPECT_EQ(a, std::vector<uint8_t>(8, 1));
}

TEST(CallerEnums, MallocPolicies) {
  void* block = nullptr;
  clear_messages();
  EXPECT_EQ(aclrtMalloc(&block, 64, from_c<aclrtMemMallocPolicy>(999)), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMalloc", {"policy must name an aclrtMemMallocPolicy", "got 999"}));
  EXPECT_EQ(block, nullptr);
  EXPECT_EQ(aclrtMalloc(&block, 64, from_c<aclrtMemMallocPolicy>(-1)), ACL_ERROR_INVALID_PARAM);
  clear_messages();
  // A listed policy with the listed flags is accepted.
  ASSERT_EQ(aclrtMalloc(&block, 64,
                        from_c<aclrtMemMallocPolicy>(ACL_MEM_MALLOC_NORMAL_ONLY | ACL_MEM_TYPE_HIGH_BAND_WIDTH)),
            ACL_SUCCESS);
  EXPECT_EQ(aclrtFree(block), ACL_SUCCESS);
}

TEST(CallerEnums, TensorDataTypeAndFormat) {
  const std::vector<int64_t> dims = {2};
  int64_t data[2] = {};
  clear_messages();
  EXPECT_EQ(aclCreateTensor(dims.data(), 1, from_c<aclDataType>(9999), nullptr, 0, ACL_FORMAT_ND, dims.data(), 1, data),
            nullptr);
  EXPECT_TRUE(message_has("aclCreateTensor", {"dataType must name an aclDataType", "got 9999"}));
  EXPECT_EQ(aclCreateTensor(dims.data(), 1, ACL_INT64, nullptr, 0, from_c<aclFormat>(12345), dims.data(), 1, data),
            nullptr);
  EXPECT_TRUE(message_has("aclCreateTensor", {"format must name an aclFormat", "got 12345"}));
  // aclInitTensor refuses too, and leaves the tensor as it was.
  aclTensor* tensor = aclCreateTensor(dims.data(), 1, ACL_INT32, nullptr, 0, ACL_FORMAT_ND, dims.data(), 1, data);
  ASSERT_NE(tensor, nullptr);
  EXPECT_EQ(aclInitTensor(tensor, dims.data(), 1, from_c<aclDataType>(-9999), nullptr, 0, ACL_FORMAT_ND, nullptr, 0,
                          nullptr),
            ACLNN_ERR_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclInitTensor", {"dataType must name an aclDataType", "got -9999"}));
  aclDataType type = ACL_DT_UNDEFINED;
  EXPECT_EQ(aclGetDataType(tensor, &type), ACLNN_SUCCESS);
  EXPECT_EQ(type, ACL_INT32);
  EXPECT_EQ(aclDestroyTensor(tensor), ACLNN_SUCCESS);
}

TEST(CallerEnums, DataTypeSizeOfAnUnknownTypeIsZero) {
  EXPECT_EQ(aclDataTypeSize(from_c<aclDataType>(9999)), 0u);
  EXPECT_EQ(aclDataTypeSize(from_c<aclDataType>(5)), 0u);  // a gap in the list
  EXPECT_EQ(aclDataTypeSize(ACL_INT64), 8u);
}

TEST(CallerCounts, HugeViewDimsNumIsRefusedBeforeAnyAllocation) {
  const std::vector<int64_t> dims = {2, 2};
  constexpr uint64_t kHuge = (uint64_t{1} << 60) + 1;
  clear_messages();
  EXPECT_EQ(aclCreateTensor(dims.data(), kHuge, ACL_INT64, nullptr, 0, ACL_FORMAT_ND, dims.data(), 2, nullptr), nullptr);
  EXPECT_TRUE(message_has("aclCreateTensor", {"viewDimsNum must be a tensor's rank", "at most 64", "got 1152921504606846977"}));
  EXPECT_EQ(aclCreateTensor(dims.data(), 2, ACL_INT64, nullptr, 0, ACL_FORMAT_ND, dims.data(), kHuge, nullptr), nullptr);
  EXPECT_TRUE(message_has("aclCreateTensor", {"storageDimsNum must be a tensor's rank"}));
  aclTensor* tensor = aclCreateTensor(dims.data(), 2, ACL_INT64, nullptr, 0, ACL_FORMAT_ND, dims.data(), 2, nullptr);
  ASSERT_NE(tensor, nullptr);
  EXPECT_EQ(aclInitTensor(tensor, dims.data(), kHuge, ACL_INT64, nullptr, 0, ACL_FORMAT_ND, nullptr, 0, nullptr),
            ACLNN_ERR_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclInitTensor", {"viewDimsNum must be a tensor's rank"}));
  EXPECT_EQ(aclDestroyTensor(tensor), ACLNN_SUCCESS);
}

TEST(CallerCounts, NullDimsWithACountAreRefusedWithAMessage) {
  const std::vector<int64_t> dims = {2};
  clear_messages();
  EXPECT_EQ(aclCreateTensor(nullptr, 1, ACL_INT64, nullptr, 0, ACL_FORMAT_ND, dims.data(), 1, nullptr), nullptr);
  EXPECT_TRUE(message_has("aclCreateTensor", {"viewDims must not be null when viewDimsNum > 0"}));
}

TEST(CallerCounts, HugeIntArrayIsRefusedNotThrown) {
  const std::vector<int64_t> values = {1, 2};
  clear_messages();
  EXPECT_EQ(aclCreateIntArray(values.data(), (uint64_t{1} << 60) + 1), nullptr);
  EXPECT_TRUE(message_has("aclCreateIntArray", {"size must be an array's length"}));
  aclIntArray* array = aclCreateIntArray(values.data(), 2);
  ASSERT_NE(array, nullptr);
  EXPECT_EQ(aclDestroyIntArray(array), ACLNN_SUCCESS);
}

}  // namespace
}  // namespace advstep::testing
