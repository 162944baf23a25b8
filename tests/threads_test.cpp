// Several threads, each with its own stream and tensors, advancing many steps at once (eager and
// deferred streams, single-use and repeatable executors); every result must come out exact.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

// Batches above the CPU kernel's threading threshold (16384 rows), so every call also runs on the
// kernel's thread team while the other threads' calls run on theirs.
constexpr int64_t kSeqs = 20000;
constexpr int64_t kQueries = 19000;
constexpr int64_t kThreadBase = 10000000;  ///< thread t's values start at t * kThreadBase
constexpr int64_t kBlock = 4;
constexpr int64_t kWidth = 16;
constexpr int32_t kThreads = 4;
constexpr int32_t kSteps = 40;
constexpr int32_t kSyncEvery = 5;

/// Thread @p t's tensors: block ids t * kThreadBase + flat index, so a row read from another thread's
/// table or another row shows in the slots; sequence i starts at length i + t.
CallCase thread_case(int32_t t) {
  CallCase c;
  std::vector<int64_t> lens(kSeqs), sampled(kQueries), table(kSeqs * kWidth);
  for (int64_t i = 0; i < kSeqs; ++i) lens[i] = i + t;
  for (int64_t i = 0; i < kQueries; ++i) sampled[i] = kThreadBase * t + i;
  for (int64_t k = 0; k < kSeqs * kWidth; ++k) table[k] = kThreadBase * t + k;
  c.set(kTokens, std::vector<int64_t>(kSeqs, -5), {kSeqs});
  c.set(kSampled, sampled, {kQueries, 1});
  c.set(kPositions, std::vector<int64_t>(kSeqs, -5), {kSeqs});
  c.set(kSeqLens, lens, {kSeqs});
  c.set(kSlots, std::vector<int64_t>(kSeqs, -5), {kSeqs});
  c.set(kTables, table, {kSeqs, kWidth});
  c.num_seqs = kSeqs;
  c.num_queries = kQueries;
  c.block_size = kBlock;
  return c;
}

/// "" when thread @p t's tensors hold exactly what kSteps steps produce.
std::string check_result(const CallCase& c, int32_t t) {
  const std::vector<int64_t> tokens = c.values(kTokens), positions = c.values(kPositions), lens = c.values(kSeqLens),
                             slots = c.values(kSlots);
  for (int64_t i = 0; i < kSeqs; ++i) {
    const bool query = i < kQueries;
    const int64_t start = i + t;
    const int64_t p = start + kSteps - 1;
    const int64_t want_token = query ? kThreadBase * t + i : 0;
    const int64_t want_position = query ? p : 0;
    const int64_t want_len = query ? start + kSteps : start;
    const int64_t want_slot = query ? (kThreadBase * t + i * kWidth + p / kBlock) * kBlock + p % kBlock : -1;
    if (tokens[i] != want_token || positions[i] != want_position || lens[i] != want_len || slots[i] != want_slot) {
      return "thread " + std::to_string(t) + " row " + std::to_string(i) + ": token " + std::to_string(tokens[i]) +
             " position " + std::to_string(positions[i]) + " length " + std::to_string(lens[i]) + " slot " +
             std::to_string(slots[i]) + ", expected " + std::to_string(want_token) + " " +
             std::to_string(want_position) + " " + std::to_string(want_len) + " " + std::to_string(want_slot);
    }
  }
  return "";
}

/// kSteps steps of @p c on @p stream, synchronising every kSyncEvery; "" or what went wrong.
std::string advance(CallCase& c, aclrtStream stream, bool repeatable) {
  if (repeatable) {
    if (c.plan_v1() != ACL_SUCCESS) return "phase 1: " + last_error_message();
    if (aclSetAclOpExecutorRepeatable(c.executor) != ACL_SUCCESS) return "repeatable: " + last_error_message();
  }
  for (int32_t step = 1; step <= kSteps; ++step) {
    if (!repeatable && c.plan_v1() != ACL_SUCCESS) return "phase 1: " + last_error_message();
    if (aclnnAdvanceStep(nullptr, 0, c.executor, stream) != ACL_SUCCESS) return "phase 2: " + last_error_message();
    if ((step % kSyncEvery == 0 || step == kSteps) && aclrtSynchronizeStream(stream) != ACL_SUCCESS) {
      return "synchronize: " + last_error_message();
    }
  }
  if (repeatable && aclDestroyAclOpExecutor(c.executor) != ACL_SUCCESS) return "destroy: " + last_error_message();
  if (const std::string text = last_error_message(); !text.empty()) return "stray message: " + text;
  return "";
}

void run_threads(bool deferred) {
  std::vector<CallCase> cases;
  std::vector<std::unique_ptr<StreamHandle>> streams;  // created here: creation touches the environment
  for (int32_t t = 0; t < kThreads; ++t) {
    cases.push_back(thread_case(t));
    streams.push_back(std::make_unique<StreamHandle>(deferred));
  }
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t]() {
      failures[t] = advance(cases[t], streams[t]->get(), t % 2 == 1);
      if (failures[t].empty()) failures[t] = check_result(cases[t], t);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int32_t t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

TEST(ThreadedSteps, EagerStreamsAtOnce) {
  run_threads(false);
}

TEST(ThreadedSteps, DeferredStreamsAtOnce) {
  run_threads(true);
}

TEST(ThreadedSteps, CheckResultCatchesAnError) {
  // The checker must be able to fail: one step short is reported.
  CallCase c = thread_case(1);
  EXPECT_EQ(check_result(c, 1).rfind("thread 1 row 0", 0), 0u);
}

TEST(ThreadedSteps, FaultsStayWithTheirThread) {
  std::vector<CallCase> cases;
  std::vector<std::unique_ptr<StreamHandle>> streams;
  for (int32_t t = 0; t < kThreads; ++t) {
    cases.push_back(thread_case(t));
    std::vector<int64_t> lens = cases.back().values(kSeqLens);
    lens[static_cast<size_t>(t)] = -1 - t;  // thread t faults in row t
    cases.back().set(kSeqLens, lens, {kSeqs});
    streams.push_back(std::make_unique<StreamHandle>(t % 2 == 0));
  }
  std::vector<std::string> messages(kThreads);
  std::vector<aclError> codes(kThreads, 0);
  std::vector<std::thread> threads;
  for (int32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t]() {
      CallCase& c = cases[t];
      if (c.plan_v1() != ACL_SUCCESS || aclnnAdvanceStep(nullptr, 0, c.executor, streams[t]->get()) != ACL_SUCCESS) {
        messages[t] = "launch failed: " + last_error_message();
        return;
      }
      codes[t] = aclrtSynchronizeStream(streams[t]->get());
      messages[t] = last_error_message();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int32_t t = 0; t < kThreads; ++t) {
    EXPECT_EQ(codes[t], ACL_ERROR_RT_AICORE_EXCEPTION) << messages[t];
    const std::string row = "sequence " + std::to_string(t) + ":";
    EXPECT_NE(messages[t].find(row), std::string::npos) << messages[t];
    EXPECT_NE(messages[t].find("got " + std::to_string(-1 - t)), std::string::npos) << messages[t];
    EXPECT_EQ(messages[t].find("TraceBack"), std::string::npos) << messages[t];
  }
}

// Phase 1 on one thread, phase 2 on another, both at once: executors move between the threads'
// caches and the shared free queue while both use them.
TEST(ThreadedSteps, ExecutorsPlannedOnOneThreadRunOnAnother) {
  constexpr int64_t kCalls = 3000;
  CallCase c = CallCase::official_v1();
  c.block_size = int64_t{1} << 40;  // every position stays in block 0: no call faults
  const std::vector<int64_t> lens_before = c.values(kSeqLens);
  StreamHandle stream;
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<aclOpExecutor*> planned;
  std::string planner_failure;
  std::string runner_failure;
  std::thread planner([&] {
    for (int64_t k = 0; k < kCalls; ++k) {
      if (c.plan_v1() != ACL_SUCCESS) {
        planner_failure = "phase 1: " + last_error_message();
        std::lock_guard<std::mutex> lock(mutex);
        planned.push_back(nullptr);  // stops the runner
        ready.notify_one();
        return;
      }
      std::lock_guard<std::mutex> lock(mutex);
      planned.push_back(c.executor);
      ready.notify_one();
    }
  });
  std::thread runner([&] {
    for (int64_t k = 0; k < kCalls; ++k) {
      aclOpExecutor* executor = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [&] { return !planned.empty(); });
        executor = planned.front();
        planned.pop_front();
      }
      if (executor == nullptr) return;
      if (aclnnAdvanceStep(nullptr, 0, executor, stream.get()) != ACL_SUCCESS) {
        runner_failure = "phase 2: " + last_error_message();
        return;
      }
      if (k % 16 == 15 && aclrtSynchronizeStream(stream.get()) != ACL_SUCCESS) {
        runner_failure = "synchronize: " + last_error_message();
        return;
      }
    }
    if (aclrtSynchronizeStream(stream.get()) != ACL_SUCCESS) runner_failure = "synchronize: " + last_error_message();
  });
  planner.join();
  runner.join();
  ASSERT_EQ(planner_failure, "");
  ASSERT_EQ(runner_failure, "");
  const std::vector<int64_t> lens = c.values(kSeqLens);
  for (size_t i = 0; i < lens.size(); ++i) {
    const int64_t steps = static_cast<int64_t>(i) < c.num_queries ? kCalls : 0;
    EXPECT_EQ(lens[i], lens_before[i] + steps) << "row " << i;
  }
}

}  // namespace
}  // namespace advstep::testing
