// Memory held by executors when the two phases run on different threads: phase 1 (which takes an
// executor) on one thread, phase 2 (which frees it) on another, 10^6 times; then 10^5 single-use
// executors planned on one thread and destroyed, never run, on another. Prints the resident set
// before and after each part and exits 1 when either grew by more than 2 MiB.
//   advstep_executor_memory [calls]
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step.h"

namespace {

constexpr int64_t kLimitBytes = int64_t{2} << 20;
constexpr size_t kBatch = 256;

int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0;
  int64_t resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

/// Batches of executors from the planning thread to the running thread, at most two in flight.
class Handoff {
 public:
  void put(std::vector<aclOpExecutor*> batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < 2; });
    queue_.push_back(std::move(batch));
    changed_.notify_all();
  }
  std::vector<aclOpExecutor*> take() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty(); });
    std::vector<aclOpExecutor*> batch = std::move(queue_.front());
    queue_.erase(queue_.begin());
    changed_.notify_all();
    return batch;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<aclOpExecutor*>> queue_;
};

struct Tensors {
  // numSeqs 2, numQueries 1; a block size so large that every position stays in block 0.
  static constexpr int64_t kBlockSize = int64_t{1} << 40;
  std::vector<void*> blocks;
  aclTensor* tokens = nullptr;
  aclTensor* sampled = nullptr;
  aclTensor* positions = nullptr;
  aclTensor* seq_lens = nullptr;
  aclTensor* slots = nullptr;
  aclTensor* tables = nullptr;

  aclTensor* make(std::vector<int64_t> shape) {
    void* block = nullptr;
    if (aclrtMalloc(&block, 64, ACL_MEM_MALLOC_HUGE_FIRST) != ACL_SUCCESS) std::abort();
    if (aclrtMemset(block, 64, 0, 64) != ACL_SUCCESS) std::abort();
    blocks.push_back(block);
    return aclCreateTensor(shape.data(), shape.size(), ACL_INT64, nullptr, 0, ACL_FORMAT_ND, shape.data(),
                           shape.size(), block);
  }
  Tensors()
      : tokens(make({2})), sampled(make({1, 1})), positions(make({2})), seq_lens(make({2})), slots(make({2})),
        tables(make({2, 1})) {}
  ~Tensors() {
    for (aclTensor* t : {tokens, sampled, positions, seq_lens, slots, tables}) (void)aclDestroyTensor(t);
    for (void* block : blocks) (void)aclrtFree(block);
  }

  aclOpExecutor* plan() const {
    uint64_t workspace = 0;
    aclOpExecutor* executor = nullptr;
    if (aclnnAdvanceStepGetWorkspaceSize(tokens, sampled, positions, seq_lens, slots, tables, 2, 1, kBlockSize,
                                         &workspace, &executor) != ACL_SUCCESS) {
      std::fprintf(stderr, "phase 1 failed: %s\n", aclGetRecentErrMsg());
      std::abort();
    }
    return executor;
  }
};

/// Plans @p calls executors on this thread and hands them to a second thread, which @p finish es
/// each (runs it, or destroys it). Returns the growth of the resident set.
template <typename Finish>
int64_t cross_thread(const Tensors& t, int64_t calls, Finish&& finish) {
  Handoff handoff;
  const int64_t batches = (calls + static_cast<int64_t>(kBatch) - 1) / static_cast<int64_t>(kBatch);
  std::thread runner([&] {
    for (int64_t b = 0; b < batches; ++b) {
      for (aclOpExecutor* executor : handoff.take()) finish(executor);
      if (aclrtSynchronizeStream(nullptr) != ACL_SUCCESS) {
        std::fprintf(stderr, "synchronisation failed: %s\n", aclGetRecentErrMsg());
        std::abort();
      }
    }
  });
  int64_t before = 0;
  for (int64_t b = 0; b < batches; ++b) {
    if (b == batches / 10) before = resident_bytes();  // after a warm-up tenth
    std::vector<aclOpExecutor*> batch;
    batch.reserve(kBatch);
    for (size_t k = 0; k < kBatch; ++k) batch.push_back(t.plan());
    handoff.put(std::move(batch));
  }
  runner.join();
  return resident_bytes() - before;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t calls = argc > 1 ? std::atoll(argv[1]) : 1000000;
  if (aclInit(nullptr) != ACL_SUCCESS || aclrtSetDevice(0) != ACL_SUCCESS) return 2;
  bool ok = true;
  {
    const Tensors t;
    const int64_t ran = cross_thread(t, calls, [](aclOpExecutor* executor) {
      if (aclnnAdvanceStep(nullptr, 0, executor, nullptr) != ACL_SUCCESS) {
        std::fprintf(stderr, "phase 2 failed: %s\n", aclGetRecentErrMsg());
        std::abort();
      }
    });
    std::printf("phase 1 on thread A, phase 2 on thread B, %lld calls: resident set %+lld bytes\n",
                static_cast<long long>(calls), static_cast<long long>(ran));
    std::fflush(stdout);
    const int64_t destroyed = cross_thread(t, calls / 10, [](aclOpExecutor* executor) {
      if (aclDestroyAclOpExecutor(executor) != ACL_SUCCESS) {
        std::fprintf(stderr, "destroy failed: %s\n", aclGetRecentErrMsg());
        std::abort();
      }
    });
    std::printf("planned on thread A, destroyed unrun on thread B, %lld executors: resident set %+lld bytes\n",
                static_cast<long long>(calls / 10), static_cast<long long>(destroyed));
    ok = ran <= kLimitBytes && destroyed <= kLimitBytes;
  }
  (void)aclrtResetDevice(0);
  (void)aclFinalize();
  std::printf("%s\n", ok ? "executor memory: flat" : "executor memory: grows");
  return ok ? 0 : 1;
}
