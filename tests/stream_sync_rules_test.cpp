// Who sees a stream's fault, and what a host function may wait for (docs/runtime.md, "Synchronisation").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step.h"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

/// Queues (deferred) or runs (eager) a step whose seqLens[3] is negative: a 507015 data fault.
void enqueue_fault(CallCase& c, aclrtStream stream) {
  c.set(kSeqLens, {0, 1, 2, -3, 4, 5, 6, 7}, {8, 1});
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream), ACL_SUCCESS) << last_error_message();
}

class DeviceSyncFaultRule : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    (void)aclrtSynchronizeDevice();  // nothing left from another test of this process
    (void)aclrtSynchronizeStream(nullptr);
    clear_messages();
  }
};

TEST_P(DeviceSyncFaultRule, DeviceSyncReportsItOnceAndTheStreamKeepsItForItsOwnSync) {
  CallCase c = CallCase::official_v1();
  const StreamHandle stream(GetParam());
  enqueue_fault(c, stream.get());
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeDevice(), ACL_ERROR_RT_AICORE_EXCEPTION);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"seqLens[3] is negative"}));
  EXPECT_EQ(aclrtSynchronizeDevice(), ACL_SUCCESS);  // a device sync reports a fault once
  // Code that synchronises only the stream still sees its fault, once.
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_AICORE_EXCEPTION);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"seqLens[3] is negative"}));
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeDevice(), ACL_SUCCESS);
}

TEST_P(DeviceSyncFaultRule, StreamSyncFirstLeavesNothingForTheDevice) {
  CallCase c = CallCase::official_v1();
  const StreamHandle stream(GetParam());
  enqueue_fault(c, stream.get());
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_AICORE_EXCEPTION);
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeDevice(), ACL_SUCCESS);
}

TEST_P(DeviceSyncFaultRule, ANewFaultAfterADeviceSyncIsReportedAgain) {
  CallCase c = CallCase::official_v1();
  const StreamHandle stream(GetParam());
  enqueue_fault(c, stream.get());
  EXPECT_EQ(aclrtSynchronizeDevice(), ACL_ERROR_RT_AICORE_EXCEPTION);
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_AICORE_EXCEPTION);
  CallCase again = CallCase::official_v1();
  enqueue_fault(again, stream.get());
  EXPECT_EQ(aclrtSynchronizeDevice(), ACL_ERROR_RT_AICORE_EXCEPTION);
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_AICORE_EXCEPTION);
  clear_messages();
}

INSTANTIATE_TEST_SUITE_P(EagerAndDeferred, DeviceSyncFaultRule, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) { return param.param ? "deferred" : "eager"; });

/// What a host function did from inside its stream.
struct Inside {
  explicit Inside(aclrtStream s, aclrtEvent e = nullptr) : stream(s), event(e) {}
  aclrtStream stream;
  aclrtEvent event;
  aclError result = -1;
  std::string message;
};

void synchronise_own_stream(void* args) {
  auto* inside = static_cast<Inside*>(args);
  inside->result = aclrtSynchronizeStream(inside->stream);
  inside->message = aclGetRecentErrMsg();
}

void synchronise_device(void* args) {
  auto* inside = static_cast<Inside*>(args);
  inside->result = aclrtSynchronizeDevice();
  inside->message = aclGetRecentErrMsg();
}

void synchronise_event(void* args) {
  auto* inside = static_cast<Inside*>(args);
  inside->result = aclrtSynchronizeEvent(inside->event);
  inside->message = aclGetRecentErrMsg();
}

TEST(HostFunction, SynchronisingItsOwnDeferredStreamIsRefusedNotADeadlock) {
  const StreamHandle stream(true);
  Inside inside(stream.get());
  ASSERT_EQ(aclrtLaunchHostFunc(stream.get(), synchronise_own_stream, &inside), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);  // the host function itself ran
  EXPECT_EQ(inside.result, ACL_ERROR_RT_FEATURE_NOT_SUPPORT);
  EXPECT_NE(inside.message.find("cannot be synchronised from its own work"), std::string::npos) << inside.message;
}

TEST(HostFunction, SynchronisingTheDeviceIsRefusedForItsOwnStream) {
  const StreamHandle stream(true);
  Inside inside(stream.get());
  ASSERT_EQ(aclrtLaunchHostFunc(stream.get(), synchronise_device, &inside), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  EXPECT_EQ(inside.result, ACL_ERROR_RT_FEATURE_NOT_SUPPORT);
}

TEST(HostFunction, WaitingForALaterRecordOnItsOwnStreamIsRefused) {
  const StreamHandle stream(true);
  aclrtEvent event = nullptr;
  ASSERT_EQ(aclrtCreateEvent(&event), ACL_SUCCESS);
  Inside inside(stream.get(), event);
  ASSERT_EQ(aclrtLaunchHostFunc(stream.get(), synchronise_event, &inside), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(event, stream.get()), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  EXPECT_EQ(inside.result, ACL_ERROR_RT_FEATURE_NOT_SUPPORT);
  EXPECT_EQ(aclrtDestroyEvent(event), ACL_SUCCESS);
}

TEST(HostFunction, SynchronisingAnotherStreamRunsIt) {
  const StreamHandle own(true);
  const StreamHandle other(true);
  std::vector<uint8_t> host(8, 0);
  ASSERT_EQ(aclrtMemsetAsync(host.data(), 8, 3, 8, other.get()), ACL_SUCCESS);
  Inside inside(other.get());
  ASSERT_EQ(aclrtLaunchHostFunc(own.get(), synchronise_own_stream, &inside), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(own.get()), ACL_SUCCESS);
  EXPECT_EQ(inside.result, ACL_SUCCESS);
  EXPECT_EQ(host, std::vector<uint8_t>(8, 3));
}

}  // namespace
}  // namespace advstep::testing
