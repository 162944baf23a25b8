// Events on one stream: record, query, synchronise, time, reset and destroy; and every refusal with
// CANN's status code and a message that names the API and the argument.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "support/call_case.hpp"
#include "support/event_handle.hpp"

namespace advstep::testing {
namespace {

constexpr int kSleepMs = 20;

void sleep_on_stream(void* /*args*/) {
  std::this_thread::sleep_for(std::chrono::milliseconds(kSleepMs));
}

TEST(Events, RecordQuerySynchronizeOnAnEagerStream) {
  const StreamHandle stream(false);
  const EventHandle event;
  // CANN reports an event that was never recorded as not ready.
  EXPECT_EQ(recorded_status(event.get()), ACL_EVENT_RECORDED_STATUS_NOT_READY);
  EXPECT_EQ(aclrtSynchronizeEvent(event.get()), ACL_SUCCESS) << "nothing to wait for";
  ASSERT_EQ(aclrtRecordEvent(event.get(), stream.get()), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(recorded_status(event.get()), ACL_EVENT_RECORDED_STATUS_COMPLETE);
  EXPECT_EQ(aclrtSynchronizeEvent(event.get()), ACL_SUCCESS);
}

TEST(Events, RecordOnTheDefaultStream) {
  const EventHandle event;
  ASSERT_EQ(aclrtRecordEvent(event.get(), nullptr), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(aclrtSynchronizeEvent(event.get()), ACL_SUCCESS);
  EXPECT_EQ(recorded_status(event.get()), ACL_EVENT_RECORDED_STATUS_COMPLETE);
}

TEST(Events, ElapsedTimeCoversWorkSubmittedBetweenTheRecords) {
  const StreamHandle stream(false);
  const EventHandle start;
  const EventHandle end;
  ASSERT_EQ(aclrtRecordEvent(start.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtLaunchHostFunc(stream.get(), sleep_on_stream, nullptr), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtRecordEvent(end.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  float ms = -1.0F;
  ASSERT_EQ(aclrtEventElapsedTime(&ms, start.get(), end.get()), ACL_SUCCESS) << last_error_message();
  // A GPU's clock is not the host's: allow it a hair below the sleep.
  EXPECT_GE(ms, host_device() ? kSleepMs : kSleepMs - 0.5F);
  EXPECT_LT(ms, 5000.0F);
  if (host_device()) {  // CUDA does not promise a sign for reversed events
    float back = 0.0F;
    ASSERT_EQ(aclrtEventElapsedTime(&back, end.get(), start.get()), ACL_SUCCESS);
    EXPECT_FLOAT_EQ(back, -ms) << "end before start is negative";
  }
}

TEST(Events, ElapsedTimeCoversAHostPauseBetweenRecords) {
  const StreamHandle stream(false);
  const EventHandle start;
  const EventHandle end;
  ASSERT_EQ(aclrtRecordEvent(start.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeEvent(start.get()), ACL_SUCCESS);
  std::this_thread::sleep_for(std::chrono::milliseconds(kSleepMs));
  ASSERT_EQ(aclrtRecordEvent(end.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeEvent(end.get()), ACL_SUCCESS);
  float ms = -1.0F;
  ASSERT_EQ(aclrtEventElapsedTime(&ms, start.get(), end.get()), ACL_SUCCESS) << last_error_message();
  EXPECT_GE(ms, host_device() ? kSleepMs : kSleepMs - 0.5F);
}

TEST(Events, AReRecordReplacesTheTime) {
  const StreamHandle stream(false);
  const EventHandle start;
  const EventHandle end;
  ASSERT_EQ(aclrtRecordEvent(start.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(end.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtLaunchHostFunc(stream.get(), sleep_on_stream, nullptr), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(end.get(), stream.get()), ACL_SUCCESS);  // after the pause now
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  float ms = -1.0F;
  ASSERT_EQ(aclrtEventElapsedTime(&ms, start.get(), end.get()), ACL_SUCCESS);
  EXPECT_GE(ms, host_device() ? kSleepMs : kSleepMs - 0.5F);
}

TEST(Events, ResetReturnsAnEventToNeverRecorded) {
  const StreamHandle stream(false);
  const EventHandle event(ACL_EVENT_SYNC | ACL_EVENT_TIME_LINE);
  const EventHandle other;
  ASSERT_EQ(aclrtRecordEvent(event.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(other.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  EXPECT_EQ(recorded_status(event.get()), ACL_EVENT_RECORDED_STATUS_COMPLETE);
  ASSERT_EQ(aclrtResetEvent(event.get(), stream.get()), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  EXPECT_EQ(recorded_status(event.get()), ACL_EVENT_RECORDED_STATUS_NOT_READY);
  float ms = 0.0F;
  clear_messages();
  EXPECT_EQ(aclrtEventElapsedTime(&ms, event.get(), other.get()), ACL_ERROR_RT_INTERNAL_ERROR);
  EXPECT_TRUE(message_has("aclrtEventElapsedTime", {"startEvent must be recorded", "reset"}));
  // Recorded again, it is usable again.
  ASSERT_EQ(aclrtRecordEvent(event.get(), stream.get()), ACL_SUCCESS);
  EXPECT_EQ(recorded_status(event.get()), ACL_EVENT_RECORDED_STATUS_COMPLETE);
}

TEST(Events, DestroyedEventsAreRefusedByName) {
  const StreamHandle stream(false);
  aclrtEvent event = nullptr;
  ASSERT_EQ(aclrtCreateEvent(&event), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(event, stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtDestroyEvent(event), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclrtDestroyEvent(event), ACL_ERROR_RT_INVALID_HANDLE);
  EXPECT_TRUE(message_has("aclrtDestroyEvent", {"event must be a live event", "destroyed or never created"}));
  EXPECT_EQ(aclrtRecordEvent(event, stream.get()), ACL_ERROR_RT_INVALID_HANDLE);
  EXPECT_TRUE(message_has("aclrtRecordEvent", {"event must be a live event"}));
  EXPECT_EQ(aclrtSynchronizeEvent(event), ACL_ERROR_RT_INVALID_HANDLE);
  EXPECT_TRUE(message_has("aclrtSynchronizeEvent", {"event must be a live event"}));
  aclrtEventRecordedStatus status = ACL_EVENT_RECORDED_STATUS_NOT_READY;
  EXPECT_EQ(aclrtQueryEventStatus(event, &status), ACL_ERROR_RT_INVALID_HANDLE);
  EXPECT_TRUE(message_has("aclrtQueryEventStatus", {"event must be a live event"}));
  EXPECT_EQ(aclrtStreamWaitEvent(stream.get(), event), ACL_ERROR_RT_INVALID_HANDLE);
  EXPECT_TRUE(message_has("aclrtStreamWaitEvent", {"event must be a live event"}));
}

TEST(Events, NullArgumentsAreInvalidParams) {
  const EventHandle event;
  clear_messages();
  EXPECT_EQ(aclrtCreateEvent(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtCreateEvent", {"event must not be null"}));
  EXPECT_EQ(aclrtCreateEventWithFlag(nullptr, ACL_EVENT_SYNC), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtCreateEventWithFlag", {"event must not be null"}));
  EXPECT_EQ(aclrtDestroyEvent(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtDestroyEvent", {"event must not be null"}));
  EXPECT_EQ(aclrtRecordEvent(nullptr, nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtRecordEvent", {"event must not be null"}));
  EXPECT_EQ(aclrtResetEvent(nullptr, nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtResetEvent", {"event must not be null"}));
  EXPECT_EQ(aclrtSynchronizeEvent(nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtSynchronizeEvent", {"event must not be null"}));
  EXPECT_EQ(aclrtStreamWaitEvent(nullptr, nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtStreamWaitEvent", {"event must not be null"}));
  EXPECT_EQ(aclrtQueryEventStatus(event.get(), nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtQueryEventStatus", {"status must not be null"}));
  EXPECT_EQ(aclrtQueryEventWaitStatus(event.get(), nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtQueryEventWaitStatus", {"status must not be null"}));
  float ms = 0.0F;
  EXPECT_EQ(aclrtEventElapsedTime(nullptr, event.get(), event.get()), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtEventElapsedTime", {"ms must not be null"}));
  EXPECT_EQ(aclrtEventElapsedTime(&ms, nullptr, event.get()), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtEventElapsedTime", {"startEvent must not be null"}));
  EXPECT_EQ(aclrtEventElapsedTime(&ms, event.get(), nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtEventElapsedTime", {"endEvent must not be null"}));
}

TEST(Events, UnknownStreamsAreInvalidHandles) {
  const EventHandle event;
  int32_t not_a_stream = 0;
  clear_messages();
  EXPECT_EQ(aclrtRecordEvent(event.get(), &not_a_stream), ACL_ERROR_RT_INVALID_HANDLE);
  EXPECT_TRUE(message_has("aclrtRecordEvent", {"stream must come from aclrtCreateStream"}));
  EXPECT_EQ(aclrtStreamWaitEvent(&not_a_stream, event.get()), ACL_ERROR_RT_INVALID_HANDLE);
  EXPECT_TRUE(message_has("aclrtStreamWaitEvent", {"stream must come from aclrtCreateStream"}));
  EXPECT_EQ(aclrtResetEvent(event.get(), &not_a_stream), ACL_ERROR_RT_INVALID_HANDLE);
  EXPECT_TRUE(message_has("aclrtResetEvent", {"stream must come from aclrtCreateStream"}));
}

TEST(Events, FlagsFollowCannsRules) {
  aclrtEvent event = nullptr;
  clear_messages();
  EXPECT_EQ(aclrtCreateEventWithFlag(&event, 0), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtCreateEventWithFlag", {"flag must be", "got 0x0"}));
  EXPECT_EQ(aclrtCreateEventWithFlag(&event, ACL_EVENT_IPC), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtCreateEventWithFlag", {"within 0x3f", "got 0x40"}));
  EXPECT_EQ(aclrtCreateEventWithFlag(&event, ACL_EVENT_EXTERNAL | ACL_EVENT_SYNC), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtCreateEventWithFlag", {"go alone", "got 0x21"}));
  EXPECT_EQ(aclrtCreateEventWithFlag(&event, ACL_EVENT_DEVICE_USE_ONLY), ACL_ERROR_RT_FEATURE_NOT_SUPPORT);
  EXPECT_TRUE(message_has("aclrtCreateEventWithFlag", {"not supported", "got 0x10"}));
  EXPECT_EQ(event, nullptr) << "a refused creation hands out nothing";
  const EventHandle progress(ACL_EVENT_CAPTURE_STREAM_PROGRESS);
  EXPECT_NE(progress.get(), nullptr);
}

TEST(Events, AnEventWithoutSyncCannotBeWaitedForOrReset) {
  const StreamHandle stream(false);
  const EventHandle timed(ACL_EVENT_TIME_LINE);
  ASSERT_EQ(aclrtRecordEvent(timed.get(), stream.get()), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclrtStreamWaitEvent(stream.get(), timed.get()), ACL_ERROR_RT_FEATURE_NOT_SUPPORT);
  EXPECT_TRUE(message_has("aclrtStreamWaitEvent", {"ACL_EVENT_SYNC", "got an event without it"}));
  EXPECT_EQ(aclrtResetEvent(timed.get(), stream.get()), ACL_ERROR_RT_FEATURE_NOT_SUPPORT);
  EXPECT_TRUE(message_has("aclrtResetEvent", {"ACL_EVENT_SYNC"}));
}

TEST(Events, ElapsedTimeNeedsRecordedTimedEvents) {
  const StreamHandle stream(false);
  const EventHandle start;
  const EventHandle never;
  const EventHandle untimed(ACL_EVENT_SYNC);
  ASSERT_EQ(aclrtRecordEvent(start.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(untimed.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  float ms = 123.0F;
  clear_messages();
  EXPECT_EQ(aclrtEventElapsedTime(&ms, start.get(), never.get()), ACL_ERROR_RT_INTERNAL_ERROR);
  EXPECT_TRUE(message_has("aclrtEventElapsedTime", {"endEvent must be recorded", "never recorded"}));
  EXPECT_EQ(aclrtEventElapsedTime(&ms, never.get(), start.get()), ACL_ERROR_RT_INTERNAL_ERROR);
  EXPECT_TRUE(message_has("aclrtEventElapsedTime", {"startEvent must be recorded"}));
  EXPECT_EQ(aclrtEventElapsedTime(&ms, start.get(), untimed.get()), ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID);
  EXPECT_TRUE(message_has("aclrtEventElapsedTime", {"endEvent must keep a time stamp", "ACL_EVENT_TIME_LINE"}));
  EXPECT_EQ(ms, 123.0F) << "a refused call writes nothing";
}

TEST(Events, WaitingForANeverRecordedEventWaitsForNothing) {
  const StreamHandle stream(false);
  const EventHandle event;
  ASSERT_EQ(aclrtStreamWaitEvent(stream.get(), event.get()), ACL_SUCCESS) << last_error_message();
  aclrtEventWaitStatus status = ACL_EVENT_WAIT_STATUS_NOT_READY;
  ASSERT_EQ(aclrtQueryEventWaitStatus(event.get(), &status), ACL_SUCCESS);
  EXPECT_EQ(status, ACL_EVENT_WAIT_STATUS_COMPLETE);
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
}

TEST(Events, WorkHoldingADestroyedEventStillCompletes) {
  const StreamHandle a(false);
  const StreamHandle b(false);
  aclrtEvent event = nullptr;
  ASSERT_EQ(aclrtCreateEvent(&event), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(event, a.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtStreamWaitEvent(b.get(), event), ACL_SUCCESS);
  ASSERT_EQ(aclrtDestroyEvent(event), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(a.get()), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(b.get()), ACL_SUCCESS);
}

TEST(Events, LaunchHostFuncRefusesANullFunction) {
  clear_messages();
  EXPECT_EQ(aclrtLaunchHostFunc(nullptr, nullptr, nullptr), ACL_ERROR_INVALID_PARAM);
  EXPECT_TRUE(message_has("aclrtLaunchHostFunc", {"fn must not be null"}));
}

}  // namespace
}  // namespace advstep::testing
