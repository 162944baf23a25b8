// Runs without a GPU: the fault records' publication protocol (src/cuda/fault_protocol.hpp), the
// same steps the kernels and the collect kernel take, driven by host threads with std::atomic_ref.
// Faulting launches and collects race as launches, replays and check_cuda_faults() race on a GPU:
// every fault must be reported exactly once (as the first of a report or counted in its `later`),
// and a reported fault must never be half written.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "cuda/fault_protocol.hpp"

namespace advstep::testing {
namespace {

struct HostAtomics {
  static unsigned int add(unsigned int* address, unsigned int value) {
    return std::atomic_ref<unsigned int>(*address).fetch_add(value);
  }
  static unsigned int exchange(unsigned int* address, unsigned int value) {
    return std::atomic_ref<unsigned int>(*address).exchange(value);
  }
  static void fence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
};

/// A fault whose fields all derive from @p id, so that a torn read shows.
void fault_of(int64_t id, core::RowFault& fault, cuda::FaultContext& context) {
  fault = {core::FaultKind::kNegativeSeqLen, id, id + 1, -id, id * 3};
  context = {"aclnnAdvanceStep", core::Contract::kCann, core::Path::kPlain, id, id + 2, id + 3, id + 4};
}

bool whole(const cuda::FaultReport& report) {
  const int64_t id = report.fault.sequence;
  core::RowFault fault;
  cuda::FaultContext context{};
  fault_of(id, fault, context);
  return report.fault.column == fault.column && report.fault.value == fault.value &&
         report.fault.extra == fault.extra && report.context.spec_num == context.spec_num &&
         report.context.block_size == context.block_size && report.context.table_stride == context.table_stride &&
         report.context.table_numel == context.table_numel;
}

TEST(CudaFaultProtocol, AFaultIsKeptUntilCollectedThenCountedOnce) {
  cuda::FaultRecord record = cuda::initial_fault_record();
  EXPECT_EQ(cuda::collect_fault<HostAtomics>(&record).claimed, 0u) << "nothing to take";
  core::RowFault fault;
  cuda::FaultContext context{};
  for (int64_t id = 1; id <= 3; ++id) {
    fault_of(id, fault, context);
    cuda::publish_fault<HostAtomics>(&record, fault, context);
  }
  const cuda::FaultReport report = cuda::collect_fault<HostAtomics>(&record);
  EXPECT_EQ(report.claimed, 1u);
  EXPECT_EQ(report.fault.sequence, 1) << "the first fault is the one kept";
  EXPECT_EQ(report.later, 2u);
  EXPECT_EQ(cuda::collect_fault<HostAtomics>(&record).claimed, 0u) << "taken once";
  EXPECT_EQ(record.launch_key, cuda::kNoFault) << "the check pass's scratch is not the collect's";
}

TEST(CudaFaultProtocol, AFirstFaultNotYetPublishedIsLeftForTheNextCollect) {
  cuda::FaultRecord record = cuda::initial_fault_record();
  record.faults = 1;  // a launch has claimed the record and is still writing its fault
  EXPECT_EQ(cuda::collect_fault<HostAtomics>(&record).claimed, 0u);
  EXPECT_EQ(record.faults, 1u) << "the claim was cleared before its fault was read";
  core::RowFault fault;
  cuda::FaultContext context{};
  fault_of(7, fault, context);
  record.fault = fault;  // the launch finishes: fault written, then published
  record.context = context;
  record.published = 1;
  const cuda::FaultReport report = cuda::collect_fault<HostAtomics>(&record);
  EXPECT_EQ(report.claimed, 1u);
  EXPECT_EQ(report.fault.sequence, 7);
  EXPECT_EQ(report.later, 0u);
}

TEST(CudaFaultProtocol, RacingLaunchesAndCollectsLoseNothingAndTearNothing) {
  constexpr int kLaunchers = 4;
  constexpr int64_t kFaultsEach = 20000;
  cuda::FaultRecord record = cuda::initial_fault_record();
  std::atomic<int> running{kLaunchers};
  std::atomic<int64_t> reported{0};
  std::atomic<int64_t> torn{0};
  const auto take = [&] {
    const cuda::FaultReport report = cuda::collect_fault<HostAtomics>(&record);
    if (report.claimed == 0) return;
    reported += 1 + report.later;
    if (!whole(report)) ++torn;
  };
  // Two collectors at once, as two checks on different streams may be; started first.
  std::atomic<int64_t> collects{0};
  std::vector<std::thread> collectors;
  for (int c = 0; c < 2; ++c) {
    collectors.emplace_back([&] {
      while (running.load() > 0) {
        take();
        ++collects;
      }
    });
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kLaunchers; ++t) {
    threads.emplace_back([&, t] {
      core::RowFault fault;
      cuda::FaultContext context{};
      for (int64_t k = 0; k < kFaultsEach; ++k) {
        fault_of(t * kFaultsEach + k + 1, fault, context);
        cuda::publish_fault<HostAtomics>(&record, fault, context);
      }
      --running;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (std::thread& thread : collectors) thread.join();
  take();  // what the last launches left
  EXPECT_EQ(reported.load(), kLaunchers * kFaultsEach) << "a fault was lost or reported twice";
  EXPECT_EQ(torn.load(), 0) << "a fault was read half written";
  EXPECT_GT(collects.load(), 0);
  EXPECT_EQ(record.faults, 0u);
  EXPECT_EQ(record.published, 0u);
}

}  // namespace
}  // namespace advstep::testing
