// The ACL runtime subset: init/finalize, devices, streams, memory and copies, with CANN's codes.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "aclnn/aclnn_base.h"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

// ---- init, finalize, devices ---------------------------------------------------------------------

TEST(AclInit, RepeatedInitAndFinalize) {
  (void)aclFinalize();  // whatever an earlier test in this process left
  clear_messages();
  ASSERT_EQ(aclInit(nullptr), ACL_SUCCESS);
  EXPECT_EQ(aclInit(nullptr), ACL_ERROR_REPEAT_INITIALIZE);
  EXPECT_TRUE(message_has("aclInit", {"already initialised"}));
  EXPECT_EQ(aclFinalize(), ACL_SUCCESS);
  EXPECT_EQ(aclFinalize(), ACL_ERROR_REPEAT_FINALIZE);
  EXPECT_TRUE(message_has("aclFinalize", {"already finalised"}));
  EXPECT_EQ(aclInit(nullptr), ACL_SUCCESS);  // a new cycle may start
  EXPECT_EQ(aclFinalize(), ACL_SUCCESS);
}

TEST(AclInit, RuntimeWorksWithoutInit) {
  (void)aclFinalize();
  clear_messages();
  EXPECT_EQ(aclnnInit(nullptr), ACL_SUCCESS);
  EXPECT_EQ(aclrtSetDevice(0), ACL_SUCCESS);
  CallCase c = CallCase::official_v1();
  ASSERT_TRUE(c.runs(false));
  EXPECT_EQ(c.values(kSlots), (std::vector<int64_t>{0, 3, 6, 9, -1, -1, -1, -1}));
  EXPECT_EQ(aclrtResetDevice(0), ACL_SUCCESS);
  EXPECT_EQ(aclnnFinalize(), ACL_SUCCESS);
}

TEST(RtDevice, OnlyDeviceZero) {
  clear_messages();
  EXPECT_EQ(aclrtSetDevice(1), ACL_ERROR_RT_INVALID_DEVICEID);
  EXPECT_TRUE(message_has("aclrtSetDevice", {"deviceId", "expected 0..0", "got 1"}));
  EXPECT_EQ(aclrtSetDevice(-1), ACL_ERROR_RT_INVALID_DEVICEID);
  EXPECT_TRUE(message_has("aclrtSetDevice", {"got -1"}));
  EXPECT_EQ(aclrtResetDevice(1), ACL_ERROR_RT_INVALID_DEVICEID);
  EXPECT_TRUE(message_has("aclrtResetDevice", {"got 1"}));
  ASSERT_EQ(aclrtSetDevice(0), ACL_SUCCESS);
  int32_t device = -1;
  EXPECT_EQ(aclrtGetDevice(&device), ACL_SUCCESS);
  EXPECT_EQ(device, 0);
  EXPECT_EQ(aclrtResetDevice(0), ACL_SUCCESS);
}

TEST(RtDevice, CountSocAndRunMode) {
  uint32_t count = 0;
  EXPECT_EQ(aclrtGetDeviceCount(&count), ACL_SUCCESS);
  EXPECT_EQ(count, 1u);
  EXPECT_NE(aclrtGetSocName(), nullptr);
  aclrtRunMode mode = ACL_DEVICE;
  EXPECT_EQ(aclrtGetRunMode(&mode), ACL_SUCCESS);
  EXPECT_EQ(mode, ACL_HOST);
  clear_messages();
  EXPECT_EQ(aclrtGetDeviceCount(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtGetDeviceCount", {"count", "got nullptr"}));
  EXPECT_EQ(aclrtGetDevice(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtGetDevice", {"deviceId"}));
}

// ---- streams -------------------------------------------------------------------------------------

TEST(RtStream, NullAndUnknownHandles) {
  clear_messages();
  EXPECT_EQ(aclrtCreateStream(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtCreateStream", {"stream", "got nullptr"}));
  EXPECT_EQ(aclrtDestroyStream(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtDestroyStream", {"stream"}));
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  ASSERT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(stream), ACL_ERROR_RT_INVALID_HANDLE);
  EXPECT_TRUE(message_has("aclrtSynchronizeStream", {"expected a live stream", "got"}));
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_ERROR_RT_INVALID_HANDLE);
  EXPECT_TRUE(message_has("aclrtDestroyStream", {"expected a live stream"}));
  EXPECT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);  // the default stream
}

TEST(RtStream, TimeoutAndConfig) {
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStreamWithConfig(&stream, 0, 0), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStreamWithTimeout(stream, 100), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStreamWithTimeout(stream, -1), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeStreamWithTimeout(stream, -2), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtSynchronizeStreamWithTimeout", {"timeout", "expected >= -1", "got -2"}));
  EXPECT_EQ(aclrtSynchronizeDevice(), ACL_SUCCESS);
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
}

// ---- device and host memory ----------------------------------------------------------------------

TEST(RtMemory, MallocRejectsZeroAndNull) {
  void* block = nullptr;
  clear_messages();
  EXPECT_EQ(aclrtMalloc(&block, 0, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMalloc", {"size", "expected > 0", "got 0"}));
  EXPECT_EQ(block, nullptr);
  EXPECT_EQ(aclrtMalloc(nullptr, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMalloc", {"devPtr", "got nullptr"}));
}

TEST(RtMemory, MallocAlignsAndFrees) {
  void* block = nullptr;
  ASSERT_EQ(aclrtMalloc(&block, 3, ACL_MEM_MALLOC_HUGE_ONLY), ACL_SUCCESS);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % 64, 0u);
  EXPECT_EQ(aclrtMemset(block, 3, 7, 3), ACL_SUCCESS);
  EXPECT_EQ(aclrtFree(block), ACL_SUCCESS);
}

TEST(RtMemory, FreeOfUnknownPointers) {
  std::vector<int64_t> host(4, 0);
  clear_messages();
  EXPECT_EQ(aclrtFree(host.data()), ACL_ERROR_RT_MEMORY_FREE);
  EXPECT_TRUE(message_has("aclrtFree", {"devPtr", "expected a block address", "got"}));
  EXPECT_EQ(aclrtFree(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtFree", {"devPtr", "got nullptr"}));
  void* block = nullptr;
  ASSERT_EQ(aclrtMalloc(&block, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  EXPECT_EQ(aclrtFree(static_cast<char*>(block) + 8), ACL_ERROR_RT_MEMORY_FREE);  // inside, not the start
  EXPECT_EQ(aclrtFreeHost(block), ACL_ERROR_RT_MEMORY_FREE);                      // device, not host
  EXPECT_EQ(aclrtFree(block), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclrtFree(block), ACL_ERROR_RT_MEMORY_FREE);  // twice
  EXPECT_TRUE(message_has("aclrtFree", {"devPtr"}));
}

TEST(RtMemory, MallocHostAndFreeHost) {
  void* host = nullptr;
  ASSERT_EQ(aclrtMallocHost(&host, 16), ACL_SUCCESS);
  ASSERT_NE(host, nullptr);
  std::memset(host, 0x5a, 16);  // plain host memory: the program may touch it
  const std::vector<uint8_t> expected(16, 0x5a);
  EXPECT_EQ(std::memcmp(host, expected.data(), 16), 0);
  clear_messages();
  EXPECT_EQ(aclrtFree(host), ACL_ERROR_RT_MEMORY_FREE);  // host blocks go back through aclrtFreeHost
  EXPECT_TRUE(message_has("aclrtFree", {"devPtr"}));
  EXPECT_EQ(aclrtFreeHost(host), ACL_SUCCESS);
  EXPECT_EQ(aclrtFreeHost(host), ACL_ERROR_RT_MEMORY_FREE);
  EXPECT_TRUE(message_has("aclrtFreeHost", {"hostPtr"}));
  EXPECT_EQ(aclrtMallocHost(&host, 0), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMallocHost", {"size", "got 0"}));
  EXPECT_EQ(aclrtMallocHost(nullptr, 8), ACL_ERROR_INVALID_PARAM);
  EXPECT_EQ(aclrtFreeHost(nullptr), ACL_ERROR_INVALID_PARAM);
  clear_messages();
}

// ---- copies and fills ----------------------------------------------------------------------------

TEST(RtMemcpy, CountZeroNeedsNoPointers) {
  EXPECT_EQ(aclrtMemcpy(nullptr, 0, nullptr, 0, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
  EXPECT_EQ(aclrtMemset(nullptr, 0, 1, 0), ACL_SUCCESS);
}

TEST(RtMemcpy, CountAboveDestMax) {
  const DeviceTensor device(std::vector<int64_t>(2, 9), {2});
  const std::vector<int64_t> host = {1, 2};
  clear_messages();
  EXPECT_EQ(aclrtMemcpy(device.address(), 8, host.data(), 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"count", "destMax", "expected <= 8", "got 16"}));
  EXPECT_EQ(device.values(), (std::vector<int64_t>{9, 9}));
}

TEST(RtMemcpy, NullPointersAndBadKind) {
  const DeviceTensor device(std::vector<int64_t>(2, 9), {2});
  int64_t host[2] = {1, 2};
  clear_messages();
  EXPECT_EQ(aclrtMemcpy(nullptr, 16, host, 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"dst", "got nullptr"}));
  EXPECT_EQ(aclrtMemcpy(device.address(), 16, nullptr, 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"src", "got nullptr"}));
  EXPECT_EQ(aclrtMemcpy(device.address(), 16, host, 16, ACL_MEMCPY_INTER_DEVICE_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"kind", "expected 0..5", "got 7"}));
  EXPECT_EQ(device.values(), (std::vector<int64_t>{9, 9}));
}

TEST(RtMemcpy, EveryKind) {
  const DeviceTensor a(std::vector<int64_t>(2, 0), {2});
  const DeviceTensor b(std::vector<int64_t>(2, 0), {2});
  const std::vector<int64_t> source = {11, 22};
  std::vector<int64_t> host(2, 0);
  ASSERT_EQ(aclrtMemcpy(a.address(), 16, source.data(), 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpy(b.address(), 16, a.address(), 16, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpy(host.data(), 16, b.address(), 16, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
  EXPECT_EQ(host, source);
  std::vector<int64_t> other(2, 0);
  ASSERT_EQ(aclrtMemcpy(other.data(), 16, host.data(), 8, ACL_MEMCPY_HOST_TO_HOST), ACL_SUCCESS);
  EXPECT_EQ(other, (std::vector<int64_t>{11, 0}));
  const std::vector<int64_t> more = {33, 44};
  ASSERT_EQ(aclrtMemcpy(a.address(), 16, more.data(), 16, ACL_MEMCPY_DEFAULT), ACL_SUCCESS);
  EXPECT_EQ(a.values(), more);
  ASSERT_EQ(aclrtMemcpy(b.address(), 16, more.data(), 8, ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE), ACL_SUCCESS);
  EXPECT_EQ(b.values(), (std::vector<int64_t>{33, 22}));
}

TEST(RtMemcpy, DeviceSideMustBeDeviceMemory) {
  const DeviceTensor device(std::vector<int64_t>(2, 9), {2});
  std::vector<int64_t> host = {1, 2};
  std::vector<int64_t> target = {5, 5};
  clear_messages();
  EXPECT_EQ(aclrtMemcpy(target.data(), 16, host.data(), 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"dst", "device memory"}));
  EXPECT_EQ(aclrtMemcpy(target.data(), 16, host.data(), 16, ACL_MEMCPY_DEVICE_TO_HOST), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"src", "device memory"}));
  EXPECT_EQ(target, (std::vector<int64_t>{5, 5}));
  const std::vector<int64_t> three = {1, 2, 3};
  EXPECT_EQ(aclrtMemcpy(device.address(), 24, three.data(), 24, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"dst", "24 bytes"}));
  EXPECT_EQ(device.values(), (std::vector<int64_t>{9, 9}));
}

// A read-back that asks for more than the block holds (CANN's V2 example prints an [8, 1000] shape
// from a 16-element buffer) is refused whole: nothing is copied, and the next copy still works.
TEST(RtMemcpy, ReadBackPastTheBlockIsRefusedAndTheRuntimeGoesOn) {
  const DeviceTensor device(std::vector<int64_t>{1, 2, 3, 4}, {4});
  std::vector<int64_t> host(1000, -5);
  const size_t bytes = host.size() * sizeof(int64_t);
  clear_messages();
  EXPECT_EQ(aclrtMemcpy(host.data(), bytes, device.address(), bytes, ACL_MEMCPY_DEVICE_TO_HOST),
            ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"src", "8000 bytes", "device memory", "got 32 bytes left in a block of 32"}));
  EXPECT_EQ(host, std::vector<int64_t>(1000, -5));
  ASSERT_EQ(aclrtMemcpy(host.data(), bytes, device.address(), 4 * sizeof(int64_t), ACL_MEMCPY_DEVICE_TO_HOST),
            ACL_SUCCESS);
  EXPECT_EQ((std::vector<int64_t>(host.begin(), host.begin() + 5)), (std::vector<int64_t>{1, 2, 3, 4, -5}));
}

TEST(RtMemset, FillsBytes) {
  const DeviceTensor device(std::vector<int64_t>(2, 0), {2});
  ASSERT_EQ(aclrtMemset(device.address(), 16, 0x1ab, 8), ACL_SUCCESS);  // the value is cast to a byte
  const std::vector<uint8_t> bytes = device.raw();
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0, 0, 0, 0, 0, 0, 0, 0}));
  std::vector<uint8_t> host(4, 0);
  ASSERT_EQ(aclrtMemset(host.data(), 4, 3, 4), ACL_SUCCESS);  // host addresses are filled too
  EXPECT_EQ(host, (std::vector<uint8_t>{3, 3, 3, 3}));
}

TEST(RtMemset, Refusals) {
  const DeviceTensor device(std::vector<int64_t>(2, 0), {2});
  clear_messages();
  EXPECT_EQ(aclrtMemset(device.address(), 8, 1, 16), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemset", {"count", "maxCount", "expected <= 8", "got 16"}));
  EXPECT_EQ(aclrtMemset(nullptr, 8, 1, 8), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtMemset", {"devPtr", "got nullptr"}));
  EXPECT_EQ(aclrtMemset(device.address(), 32, 1, 24), ACL_ERROR_RT_PARAM_INVALID);  // past the 16-byte block
  EXPECT_TRUE(message_has("aclrtMemset", {"devPtr", "24 bytes"}));
  EXPECT_EQ(device.values(), (std::vector<int64_t>{0, 0}));
}

}  // namespace
}  // namespace advstep::testing
