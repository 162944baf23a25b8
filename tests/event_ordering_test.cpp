// Events that order streams: a step on stream B sees a step of stream A after aclrtStreamWaitEvent,
// on eager and deferred streams and across threads; and a deferred stream's events complete only
// when the work before them runs.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "support/call_case.hpp"
#include "support/event_handle.hpp"

namespace advstep::testing {
namespace {

const std::vector<int64_t> kSeqLensBefore = {0, 1, 2, 3, 4, 5, 6, 7};
const std::vector<int64_t> kSeqLensAfter = {1, 2, 3, 4, 4, 5, 6, 7};
constexpr size_t kBytes = 8 * sizeof(int64_t);

void pause_on_stream(void* /*args*/) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void skip_without_deferred_streams() {
  if (!host_device()) GTEST_SKIP() << "deferred streams exist on the host device only";
}

/// Queues CANN's V1 example step on @p stream.
void step_on(CallCase& c, aclrtStream stream) {
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream), ACL_SUCCESS) << last_error_message();
}

/// Stream A steps and records; stream B (optionally waiting for the record) copies A's seqLens out;
/// only B is synchronised. Returns what B copied.
std::vector<int64_t> b_reads_a(bool deferred, bool wait) {
  CallCase c = CallCase::official_v1();
  const StreamHandle a(deferred);
  const StreamHandle b(deferred);
  const EventHandle event;
  step_on(c, a.get());
  EXPECT_EQ(aclrtRecordEvent(event.get(), a.get()), ACL_SUCCESS);
  if (wait) {
    EXPECT_EQ(aclrtStreamWaitEvent(b.get(), event.get()), ACL_SUCCESS) << last_error_message();
  }
  std::vector<int64_t> seen(8, -1);
  EXPECT_EQ(
      aclrtMemcpyAsync(seen.data(), kBytes, c.tensors[kSeqLens].address(), kBytes, ACL_MEMCPY_DEVICE_TO_HOST, b.get()),
      ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(b.get()), ACL_SUCCESS);
  return seen;
}

TEST(EventOrdering, EagerStreamBSeesStreamAsStep) {
  EXPECT_EQ(b_reads_a(false, true), kSeqLensAfter);
}

TEST(EventOrdering, DeferredStreamBSeesStreamAsStepAfterWaiting) {
  skip_without_deferred_streams();
  EXPECT_EQ(b_reads_a(true, true), kSeqLensAfter);
}

TEST(EventOrdering, DeferredStreamBReadsStaleDataWithoutTheWait) {
  skip_without_deferred_streams();
  // The control of the test above: without the wait nothing orders B after A.
  EXPECT_EQ(b_reads_a(true, false), kSeqLensBefore);
}

TEST(EventOrdering, AWaitRunsTheRecordingStreamOnlyUpToTheRecord) {
  skip_without_deferred_streams();
  CallCase c = CallCase::official_v1();
  const DeviceTensor later(std::vector<int64_t>(8, 0), {8});
  const StreamHandle a(true);
  const StreamHandle b(true);
  const EventHandle event;
  step_on(c, a.get());
  ASSERT_EQ(aclrtRecordEvent(event.get(), a.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemsetAsync(later.address(), kBytes, 1, kBytes, a.get()), ACL_SUCCESS);  // after the record
  ASSERT_EQ(aclrtStreamWaitEvent(b.get(), event.get()), ACL_SUCCESS);
  aclrtEventWaitStatus waited = ACL_EVENT_WAIT_STATUS_COMPLETE;
  ASSERT_EQ(aclrtQueryEventWaitStatus(event.get(), &waited), ACL_SUCCESS);
  EXPECT_EQ(waited, ACL_EVENT_WAIT_STATUS_NOT_READY) << "B has not reached its wait";
  ASSERT_EQ(aclrtSynchronizeStream(b.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtQueryEventWaitStatus(event.get(), &waited), ACL_SUCCESS);
  EXPECT_EQ(waited, ACL_EVENT_WAIT_STATUS_COMPLETE);
  EXPECT_EQ(c.values(kSeqLens), kSeqLensAfter);
  EXPECT_EQ(later.values(), std::vector<int64_t>(8, 0)) << "A's work after the record must still wait";
  ASSERT_EQ(aclrtSynchronizeStream(a.get()), ACL_SUCCESS);
  EXPECT_EQ(later.values(), std::vector<int64_t>(8, 0x0101010101010101));
}

TEST(EventOrdering, ADeferredEventCompletesWhenItsWorkRuns) {
  skip_without_deferred_streams();
  CallCase c = CallCase::official_v1();
  const DeviceTensor later(std::vector<int64_t>(8, 0), {8});
  const StreamHandle stream(true);
  const EventHandle event;
  step_on(c, stream.get());
  ASSERT_EQ(aclrtRecordEvent(event.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemsetAsync(later.address(), kBytes, 1, kBytes, stream.get()), ACL_SUCCESS);
  EXPECT_EQ(recorded_status(event.get()), ACL_EVENT_RECORDED_STATUS_NOT_READY);
  EXPECT_EQ(c.values(kSeqLens), kSeqLensBefore) << "an unsynchronised read is stale";
  ASSERT_EQ(aclrtSynchronizeEvent(event.get()), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(recorded_status(event.get()), ACL_EVENT_RECORDED_STATUS_COMPLETE);
  EXPECT_EQ(c.values(kSeqLens), kSeqLensAfter) << "synchronising the event ran the step before it";
  EXPECT_EQ(later.values(), std::vector<int64_t>(8, 0)) << "and nothing after it";
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  EXPECT_EQ(later.values(), std::vector<int64_t>(8, 0x0101010101010101));
}

TEST(EventOrdering, DeferredElapsedTimeWaitsForCompletion) {
  skip_without_deferred_streams();
  const StreamHandle stream(true);
  const EventHandle start;
  const EventHandle end;
  ASSERT_EQ(aclrtRecordEvent(start.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtLaunchHostFunc(stream.get(), pause_on_stream, nullptr), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(end.get(), stream.get()), ACL_SUCCESS);
  float ms = -1.0F;
  clear_messages();
  EXPECT_EQ(aclrtEventElapsedTime(&ms, start.get(), end.get()), ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID);
  EXPECT_TRUE(message_has("aclrtEventElapsedTime", {"startEvent must have completed", "still pending"}));
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtEventElapsedTime(&ms, start.get(), end.get()), ACL_SUCCESS) << last_error_message();
  EXPECT_GE(ms, 20.0F) << "the pause ran between the two records";
}

/// Thread 1 steps on A and records; thread 2, told of the record, makes B wait, copies A's result
/// on B and synchronises B; thread 1 synchronises A meanwhile.
std::vector<int64_t> across_threads(bool deferred) {
  CallCase c = CallCase::official_v1();
  const StreamHandle a(deferred);  // streams are made on this thread: StreamHandle sets the environment
  const StreamHandle b(deferred);
  const EventHandle event;
  std::promise<void> recorded;
  std::vector<int64_t> seen(8, -1);
  std::thread producer([&] {
    EXPECT_EQ(aclrtLaunchHostFunc(a.get(), pause_on_stream, nullptr), ACL_SUCCESS);
    step_on(c, a.get());
    EXPECT_EQ(aclrtRecordEvent(event.get(), a.get()), ACL_SUCCESS);
    recorded.set_value();
    EXPECT_EQ(aclrtSynchronizeStream(a.get()), ACL_SUCCESS);
  });
  std::thread consumer([&] {
    recorded.get_future().wait();
    EXPECT_EQ(aclrtStreamWaitEvent(b.get(), event.get()), ACL_SUCCESS);
    EXPECT_EQ(aclrtMemcpyAsync(seen.data(), kBytes, c.tensors[kSeqLens].address(), kBytes, ACL_MEMCPY_DEVICE_TO_HOST,
                               b.get()),
              ACL_SUCCESS);
    EXPECT_EQ(aclrtSynchronizeStream(b.get()), ACL_SUCCESS);
  });
  producer.join();
  consumer.join();
  return seen;
}

TEST(EventOrdering, EagerStreamsAcrossThreads) {
  for (int round = 0; round < 5; ++round) EXPECT_EQ(across_threads(false), kSeqLensAfter) << "round " << round;
}

TEST(EventOrdering, DeferredStreamsAcrossThreads) {
  skip_without_deferred_streams();
  for (int round = 0; round < 5; ++round) EXPECT_EQ(across_threads(true), kSeqLensAfter) << "round " << round;
}

TEST(EventOrdering, StreamsWaitingOnEachOtherDoNotDeadlock) {
  skip_without_deferred_streams();
  // A: set x, record ea, wait eb, copy y -> out_a.  B: set y, record eb, wait ea, copy x -> out_b.
  const DeviceTensor x(std::vector<int64_t>(1, 0), {1});
  const DeviceTensor y(std::vector<int64_t>(1, 0), {1});
  const StreamHandle a(true);
  const StreamHandle b(true);
  const EventHandle ea;
  const EventHandle eb;
  const int64_t seven = 7;
  const int64_t nine = 9;
  int64_t out_a = 0;
  int64_t out_b = 0;
  ASSERT_EQ(aclrtMemcpyAsync(x.address(), 8, &seven, 8, ACL_MEMCPY_HOST_TO_DEVICE, a.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(ea.get(), a.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpyAsync(y.address(), 8, &nine, 8, ACL_MEMCPY_HOST_TO_DEVICE, b.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(eb.get(), b.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtStreamWaitEvent(a.get(), eb.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtStreamWaitEvent(b.get(), ea.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpyAsync(&out_a, 8, y.address(), 8, ACL_MEMCPY_DEVICE_TO_HOST, a.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpyAsync(&out_b, 8, x.address(), 8, ACL_MEMCPY_DEVICE_TO_HOST, b.get()), ACL_SUCCESS);
  std::thread other([&] { EXPECT_EQ(aclrtSynchronizeStream(b.get()), ACL_SUCCESS); });
  EXPECT_EQ(aclrtSynchronizeStream(a.get()), ACL_SUCCESS);
  other.join();
  EXPECT_EQ(out_a, 9);
  EXPECT_EQ(out_b, 7);
}

}  // namespace
}  // namespace advstep::testing
