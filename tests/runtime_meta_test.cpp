// Data type sizes, half-precision conversion, aclTensor and aclIntArray, and aclGetRecentErrMsg.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

TEST(DataTypeSize, CannTable) {
  const std::pair<aclDataType, size_t> table[] = {
      {ACL_DT_UNDEFINED, 0}, {ACL_FLOAT, 4},       {ACL_FLOAT16, 2},       {ACL_INT8, 1},        {ACL_INT32, 4},
      {ACL_UINT8, 1},        {ACL_INT16, 2},       {ACL_UINT16, 2},        {ACL_UINT32, 4},      {ACL_INT64, 8},
      {ACL_UINT64, 8},       {ACL_DOUBLE, 8},      {ACL_BOOL, 1},          {ACL_STRING, 0},      {ACL_COMPLEX64, 8},
      {ACL_COMPLEX128, 16},  {ACL_BF16, 2},        {ACL_INT4, 1},          {ACL_UINT1, 1},       {ACL_COMPLEX32, 4},
      {ACL_HIFLOAT8, 1},     {ACL_FLOAT8_E5M2, 1}, {ACL_FLOAT8_E4M3FN, 1}, {ACL_FLOAT8_E8M0, 1}, {ACL_FLOAT6_E3M2, 8},
      {ACL_FLOAT4_E2M1, 8},
  };
  for (const auto& [type, size] : table) EXPECT_EQ(aclDataTypeSize(type), size) << "type " << type;
}

float bits_to_float(uint32_t bits) {
  float value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

TEST(Float16, ExactValues) {
  const std::pair<float, aclFloat16> exact[] = {
      {0.0f, 0x0000},
      {1.0f, 0x3c00},
      {-2.0f, 0xc000},
      {0.5f, 0x3800},
      {65504.0f, 0x7bff},
      {1.0009765625f, 0x3c01},
      {6.103515625e-05f, 0x0400},
      {5.9604644775390625e-08f, 0x0001},
  };
  for (const auto& [value, half] : exact) {
    EXPECT_EQ(aclFloatToFloat16(value), half) << value;
    EXPECT_EQ(aclFloat16ToFloat(half), value) << half;
  }
  EXPECT_EQ(aclFloatToFloat16(-0.0f), 0x8000);
  EXPECT_TRUE(std::signbit(aclFloat16ToFloat(0x8000)));
}

TEST(Float16, RoundingAndSpecials) {
  EXPECT_EQ(aclFloatToFloat16(1.00048828125f), 0x3c00);  // half-way: ties to even (down)
  EXPECT_EQ(aclFloatToFloat16(1.00146484375f), 0x3c02);  // half-way: ties to even (up)
  EXPECT_EQ(aclFloatToFloat16(1e6f), 0x7c00);            // overflow: infinity
  EXPECT_EQ(aclFloatToFloat16(-1e6f), 0xfc00);
  EXPECT_EQ(aclFloatToFloat16(1e-10f), 0x0000);  // underflow: zero
  EXPECT_EQ(aclFloatToFloat16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(aclFloat16ToFloat(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(aclFloat16ToFloat(aclFloatToFloat16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(aclFloat16ToFloat(0x3555), bits_to_float(0x3eaaa000u));  // 0.333251953125
}

// ---- aclTensor -----------------------------------------------------------------------------------

TEST(AclTensor, QueriesReturnCopies) {
  int64_t storage[16] = {};
  const int64_t dims[] = {2, 3};
  const int64_t storage_dims[] = {16};
  aclTensor* tensor = aclCreateTensor(dims, 2, ACL_INT32, nullptr, 5, ACL_FORMAT_NCHW, storage_dims, 1, storage);
  ASSERT_NE(tensor, nullptr);
  int64_t* values = nullptr;
  uint64_t count = 0;
  ASSERT_EQ(aclGetViewShape(tensor, &values, &count), 0);
  EXPECT_EQ(std::vector<int64_t>(values, values + count), (std::vector<int64_t>{2, 3}));
  delete[] values;
  ASSERT_EQ(aclGetViewStrides(tensor, &values, &count), 0);
  EXPECT_EQ(std::vector<int64_t>(values, values + count), (std::vector<int64_t>{3, 1}));  // null strides: row-major
  delete[] values;
  ASSERT_EQ(aclGetStorageShape(tensor, &values, &count), 0);
  EXPECT_EQ(std::vector<int64_t>(values, values + count), (std::vector<int64_t>{16}));
  delete[] values;
  int64_t offset = 0;
  EXPECT_EQ(aclGetViewOffset(tensor, &offset), 0);
  EXPECT_EQ(offset, 5);
  aclFormat format = ACL_FORMAT_ND;
  EXPECT_EQ(aclGetFormat(tensor, &format), 0);
  EXPECT_EQ(format, ACL_FORMAT_NCHW);
  aclDataType type = ACL_FLOAT;
  EXPECT_EQ(aclGetDataType(tensor, &type), 0);
  EXPECT_EQ(type, ACL_INT32);
  void* address = nullptr;
  EXPECT_EQ(aclGetRawTensorAddr(tensor, &address), 0);
  EXPECT_EQ(address, static_cast<void*>(storage));
  EXPECT_EQ(aclSetRawTensorAddr(tensor, storage + 1), 0);
  EXPECT_EQ(aclGetRawTensorAddr(tensor, &address), 0);
  EXPECT_EQ(address, static_cast<void*>(storage + 1));
  EXPECT_EQ(aclDestroyTensor(tensor), 0);
}

TEST(AclTensor, ExplicitStridesKept) {
  const int64_t dims[] = {2, 2};
  const int64_t strides[] = {4, 2};
  aclTensor* tensor = aclCreateTensor(dims, 2, ACL_INT64, strides, 0, ACL_FORMAT_ND, dims, 2, nullptr);
  ASSERT_NE(tensor, nullptr);
  int64_t* values = nullptr;
  uint64_t count = 0;
  ASSERT_EQ(aclGetViewStrides(tensor, &values, &count), 0);
  EXPECT_EQ(std::vector<int64_t>(values, values + count), (std::vector<int64_t>{4, 2}));
  delete[] values;
  EXPECT_EQ(aclDestroyTensor(tensor), 0);
}

TEST(AclTensor, NullArguments) {
  const int64_t dims[] = {2};
  EXPECT_EQ(aclCreateTensor(nullptr, 1, ACL_INT64, nullptr, 0, ACL_FORMAT_ND, dims, 1, nullptr), nullptr);
  EXPECT_EQ(aclCreateTensor(dims, 1, ACL_INT64, nullptr, 0, ACL_FORMAT_ND, nullptr, 1, nullptr), nullptr);
  EXPECT_EQ(aclDestroyTensor(nullptr), 0);
  aclTensor* scalar = aclCreateTensor(nullptr, 0, ACL_INT64, nullptr, 0, ACL_FORMAT_ND, nullptr, 0, nullptr);
  ASSERT_NE(scalar, nullptr);  // a 0-D tensor
  int64_t* values = nullptr;
  uint64_t count = 7;
  EXPECT_EQ(aclGetViewShape(scalar, &values, &count), 0);
  EXPECT_EQ(count, 0u);
  delete[] values;
  EXPECT_EQ(aclGetViewShape(nullptr, &values, &count), 161001);
  EXPECT_EQ(aclGetViewShape(scalar, nullptr, &count), 161001);
  EXPECT_EQ(aclGetViewShape(scalar, &values, nullptr), 161001);
  EXPECT_EQ(aclGetViewOffset(scalar, nullptr), 161001);
  EXPECT_EQ(aclGetFormat(nullptr, nullptr), 161001);
  EXPECT_EQ(aclGetDataType(scalar, nullptr), 161001);
  EXPECT_EQ(aclDestroyTensor(scalar), 0);
}

TEST(AclIntArray, CopiesValues) {
  std::vector<int64_t> values = {4, 5, 6};
  aclIntArray* array = aclCreateIntArray(values.data(), values.size());
  ASSERT_NE(array, nullptr);
  values[0] = 99;  // the array holds its own copy
  uint64_t size = 0;
  EXPECT_EQ(aclGetIntArraySize(array, &size), 0);
  EXPECT_EQ(size, 3u);
  EXPECT_EQ(aclDestroyIntArray(array), 0);
  aclIntArray* empty = aclCreateIntArray(nullptr, 0);
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(aclGetIntArraySize(empty, &size), 0);
  EXPECT_EQ(size, 0u);
  EXPECT_EQ(aclGetIntArraySize(empty, nullptr), 161001);
  EXPECT_EQ(aclGetIntArraySize(nullptr, &size), 161001);
  EXPECT_EQ(aclDestroyIntArray(empty), 0);
  EXPECT_EQ(aclDestroyIntArray(nullptr), 0);
}

// ---- aclGetRecentErrMsg --------------------------------------------------------------------------

TEST(RecentErrMsg, EmptyWhenNothingPending) {
  clear_messages();
  const char* text = aclGetRecentErrMsg();
  ASSERT_NE(text, nullptr);
  EXPECT_STREQ(text, "");
}

TEST(RecentErrMsg, CannFormatAndClearedOnRead) {
  clear_messages();
  ASSERT_EQ(aclrtSetDevice(3), ACL_ERROR_RT_INVALID_DEVICEID);
  const std::string text = last_error_message();
  EXPECT_EQ(text.rfind("[PID: ", 0), 0u) << text;
  EXPECT_NE(text.find("aclrtSetDevice: deviceId"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
  EXPECT_STREQ(aclGetRecentErrMsg(), "");
  CallCase c = CallCase::official_v1();
  c.drop(kSeqLens);
  ASSERT_EQ(c.plan_v1(), 161001);
  EXPECT_NE(last_error_message().find("AclNN_Parameter_Error(EZ1001): aclnnAdvanceStep: seqLens"), std::string::npos);
}

TEST(RecentErrMsg, NewestFirstThenTraceBack) {
  clear_messages();
  ASSERT_EQ(aclrtSetDevice(5), ACL_ERROR_RT_INVALID_DEVICEID);
  void* block = nullptr;
  ASSERT_EQ(aclrtMalloc(&block, 0, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_INVALID_PARAM);
  const std::string text = last_error_message();
  const size_t newest = text.find("aclrtMalloc: size");
  const size_t traceback = text.find("TraceBack (most recent call last):");
  const size_t oldest = text.find("aclrtSetDevice: deviceId");
  ASSERT_NE(newest, std::string::npos) << text;
  ASSERT_NE(traceback, std::string::npos) << text;
  ASSERT_NE(oldest, std::string::npos) << text;
  EXPECT_LT(newest, traceback);
  EXPECT_LT(traceback, oldest);
  EXPECT_STREQ(aclGetRecentErrMsg(), "");
}

TEST(RecentErrMsg, PerThread) {
  clear_messages();
  ASSERT_EQ(aclrtSetDevice(2), ACL_ERROR_RT_INVALID_DEVICEID);
  std::string seen_by_other;
  std::string other_own;
  std::thread other([&]() {
    seen_by_other = last_error_message();  // the main thread's error is not this thread's
    (void)aclrtSetDevice(4);
    other_own = last_error_message();
  });
  other.join();
  EXPECT_EQ(seen_by_other, "");
  EXPECT_NE(other_own.find("got 4"), std::string::npos) << other_own;
  const std::string mine = last_error_message();
  EXPECT_NE(mine.find("got 2"), std::string::npos) << mine;
  EXPECT_EQ(mine.find("got 4"), std::string::npos) << mine;
}

}  // namespace
}  // namespace advstep::testing
