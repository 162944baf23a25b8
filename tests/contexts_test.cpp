// Contexts (created, set, got and destroyed; one current context per thread) and aclrtGetMemInfo.
#include <gtest/gtest.h>

#include <thread>

#include "acl/acl.h"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

/// The calling thread's context, or null with the status in @p code.
aclrtContext current(aclError* code = nullptr) {
  aclrtContext context = nullptr;
  const aclError status = aclrtGetCurrentContext(&context);
  if (code != nullptr) *code = status;
  return status == ACL_SUCCESS ? context : nullptr;
}

TEST(Contexts, CreateSetGetDestroy) {
  aclrtContext first = nullptr;
  aclrtContext second = nullptr;
  ASSERT_EQ(aclrtCreateContext(&first, 0), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(current(), first) << "a new context becomes the thread's";
  ASSERT_EQ(aclrtCreateContext(&second, 0), ACL_SUCCESS);
  EXPECT_NE(first, second);
  EXPECT_EQ(current(), second);
  ASSERT_EQ(aclrtSetCurrentContext(first), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(current(), first);
  int32_t device = -1;
  ASSERT_EQ(aclrtGetDevice(&device), ACL_SUCCESS);
  EXPECT_EQ(device, 0) << "the context's device is the thread's";
  // Work goes on in a context as before.
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS);
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);

  ASSERT_EQ(aclrtDestroyContext(first), ACL_SUCCESS) << last_error_message();
  aclError code = ACL_SUCCESS;
  clear_messages();
  EXPECT_EQ(current(&code), nullptr);
  EXPECT_EQ(code, ACL_ERROR_RT_CONTEXT_NULL) << "the thread's context was destroyed";
  EXPECT_TRUE(message_has("aclrtGetCurrentContext", {"no context"}));
  EXPECT_EQ(aclrtSetCurrentContext(first), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtSetCurrentContext", {"context must be a live context", "destroyed or never created"}));
  EXPECT_EQ(aclrtDestroyContext(first), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtDestroyContext", {"context must be a live context from aclrtCreateContext"}));
  ASSERT_EQ(aclrtSetCurrentContext(second), ACL_SUCCESS);
  EXPECT_EQ(aclrtDestroyContext(second), ACL_SUCCESS);
}

TEST(Contexts, SetDeviceGivesTheDevicesDefaultContext) {
  ASSERT_EQ(aclrtSetDevice(0), ACL_SUCCESS);
  const aclrtContext context = current();
  ASSERT_NE(context, nullptr);
  aclrtContext elsewhere = nullptr;
  std::thread other([&] {
    EXPECT_EQ(aclrtSetDevice(0), ACL_SUCCESS);
    elsewhere = current();
    EXPECT_EQ(aclrtResetDevice(0), ACL_SUCCESS);
  });
  other.join();
  EXPECT_EQ(elsewhere, context) << "one default context per device";
  clear_messages();
  EXPECT_EQ(aclrtDestroyContext(context), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtDestroyContext", {"default context", "aclrtResetDevice"}));
  EXPECT_EQ(aclrtSetCurrentContext(context), ACL_SUCCESS) << "a default context may be set again";
  EXPECT_EQ(aclrtResetDevice(0), ACL_SUCCESS);
}

TEST(Contexts, TheCurrentContextIsPerThread) {
  aclrtContext mine = nullptr;
  ASSERT_EQ(aclrtCreateContext(&mine, 0), ACL_SUCCESS);
  aclrtContext theirs = nullptr;
  aclError fresh_code = ACL_SUCCESS;
  aclrtContext seen_in_thread = nullptr;
  std::thread other([&] {
    (void)current(&fresh_code);  // a new thread has none
    EXPECT_EQ(aclrtCreateContext(&theirs, 0), ACL_SUCCESS);
    seen_in_thread = current();
  });
  other.join();
  EXPECT_EQ(fresh_code, ACL_ERROR_RT_CONTEXT_NULL);
  EXPECT_EQ(seen_in_thread, theirs);
  EXPECT_EQ(current(), mine) << "another thread's aclrtCreateContext leaves this thread's context";
  // A context made on one thread may be used on another.
  ASSERT_EQ(aclrtSetCurrentContext(theirs), ACL_SUCCESS);
  EXPECT_EQ(current(), theirs);
  EXPECT_EQ(aclrtDestroyContext(theirs), ACL_SUCCESS);
  EXPECT_EQ(aclrtDestroyContext(mine), ACL_SUCCESS);
}

TEST(Contexts, BadArguments) {
  clear_messages();
  EXPECT_EQ(aclrtCreateContext(nullptr, 0), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtCreateContext", {"context must not be null"}));
  aclrtContext context = nullptr;
  uint32_t count = 0;
  ASSERT_EQ(aclrtGetDeviceCount(&count), ACL_SUCCESS);
  EXPECT_EQ(aclrtCreateContext(&context, static_cast<int32_t>(count)), ACL_ERROR_RT_INVALID_DEVICEID);
  EXPECT_TRUE(message_has("aclrtCreateContext", {"deviceId must name a device"}));
  EXPECT_EQ(aclrtCreateContext(&context, -1), ACL_ERROR_RT_INVALID_DEVICEID);
  EXPECT_TRUE(message_has("aclrtCreateContext", {"got -1"}));
  EXPECT_EQ(context, nullptr);
  EXPECT_EQ(aclrtDestroyContext(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtDestroyContext", {"context must not be null"}));
  EXPECT_EQ(aclrtSetCurrentContext(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtSetCurrentContext", {"context must not be null"}));
  EXPECT_EQ(aclrtGetCurrentContext(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtGetCurrentContext", {"context must not be null"}));
  int32_t not_a_context = 0;
  EXPECT_EQ(aclrtSetCurrentContext(&not_a_context), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtSetCurrentContext", {"never created"}));
}

TEST(MemInfo, DeviceAndHostMemoryAreSane) {
  for (const aclrtMemAttr attr : {ACL_HBM_MEM, ACL_DDR_MEM, ACL_HBM_MEM_HUGE, ACL_MEM_NORMAL}) {
    size_t free = 0;
    size_t total = 0;
    ASSERT_EQ(aclrtGetMemInfo(attr, &free, &total), ACL_SUCCESS) << last_error_message();
    EXPECT_GT(total, size_t{64} << 20) << "attr " << attr;
    EXPECT_GT(free, 0u) << "attr " << attr;
    EXPECT_LE(free, total) << "attr " << attr;
  }
}

TEST(MemInfo, BadArguments) {
  size_t free = 0;
  size_t total = 0;
  clear_messages();
  EXPECT_EQ(aclrtGetMemInfo(ACL_HBM_MEM, nullptr, &total), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtGetMemInfo", {"free must not be null"}));
  EXPECT_EQ(aclrtGetMemInfo(ACL_HBM_MEM, &free, nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtGetMemInfo", {"total must not be null"}));
  EXPECT_EQ(aclrtGetMemInfo(static_cast<aclrtMemAttr>(18), &free, &total), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtGetMemInfo", {"attr must name a kind of memory", "got 18"}));
  EXPECT_EQ(free, 0u);
  EXPECT_EQ(total, 0u);
}

}  // namespace
}  // namespace advstep::testing
