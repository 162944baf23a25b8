#include "cpu/workers.hpp"

#include <atomic>
#include <cstdlib>
#include <thread>

namespace advstep::cpu {
namespace {

constexpr int32_t kMaxThreads = 8;
constexpr int kSpinsBeforeYield = 4096;
constexpr int kSpinsBeforeSleep = 256;  // a few microseconds of pause instructions

using Body = void (*)(const void*, int64_t);

void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// The job is published through one word: the generation in the high 32 bits and the next chunk
/// to take in the low 32, so a helper that wakes late can never take a chunk of a newer job with
/// an older job's body (its compare-exchange fails on the generation).
class Pool {
 public:
  explicit Pool(int32_t helpers) {
    for (int32_t h = 0; h < helpers; ++h) std::thread([this] { serve(); }).detach();
  }

  /// False when another thread is running a job; the caller then runs its chunks itself.
  bool try_run(int64_t chunks, Body body, const void* context) {
    if (busy_.test_and_set(std::memory_order_acquire)) return false;
    body_.store(body, std::memory_order_relaxed);
    context_.store(context, std::memory_order_relaxed);
    chunks_.store(chunks, std::memory_order_relaxed);
    finished_.store(0, std::memory_order_relaxed);
    const uint64_t generation = ++generation_;
    next_.store(generation << 32, std::memory_order_release);
    wake_.fetch_add(1, std::memory_order_release);
    wake_.notify_all();
    work(generation);
    for (int spins = 0; finished_.load(std::memory_order_acquire) != chunks; ++spins) {
      if (spins < kSpinsBeforeYield) {
        relax();
      } else {
        std::this_thread::yield();  // a helper was descheduled inside its chunk
      }
    }
    busy_.clear(std::memory_order_release);
    return true;
  }

 private:
  void serve() {
    uint32_t seen = wake_.load(std::memory_order_acquire);
    for (;;) {
      // A kernel call runs two jobs back to back (check, then write): a short spin before sleeping
      // lets the second find the helper awake instead of paying a futex wake-up.
      for (int spins = 0; spins < kSpinsBeforeSleep && wake_.load(std::memory_order_acquire) == seen; ++spins) relax();
      wake_.wait(seen, std::memory_order_acquire);
      seen = wake_.load(std::memory_order_acquire);
      work(next_.load(std::memory_order_acquire) >> 32);
    }
  }

  /// Takes chunks of job @p generation until none is left.
  void work(uint64_t generation) {
    uint64_t word = next_.load(std::memory_order_acquire);
    for (;;) {
      if ((word >> 32) != generation) return;
      const auto chunk = static_cast<int64_t>(word & 0xffffffffU);
      if (chunk >= chunks_.load(std::memory_order_relaxed)) return;
      if (!next_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      // The chunk was still free, so the job is not finished and its body is still the current one.
      body_.load(std::memory_order_relaxed)(context_.load(std::memory_order_relaxed), chunk);
      finished_.fetch_add(1, std::memory_order_release);
      word = next_.load(std::memory_order_acquire);
    }
  }

  std::atomic_flag busy_ = ATOMIC_FLAG_INIT;
  uint64_t generation_ = 0;  // written only by the thread holding busy_
  std::atomic<Body> body_{nullptr};
  std::atomic<const void*> context_{nullptr};
  std::atomic<int64_t> chunks_{0};
  alignas(64) std::atomic<uint64_t> next_{0};
  alignas(64) std::atomic<int64_t> finished_{0};
  alignas(64) std::atomic<uint32_t> wake_{0};
};

int32_t configured_threads() {
  if (const char* text = std::getenv("ADVSTEP_NUM_THREADS")) {
    const long value = std::strtol(text, nullptr, 10);
    if (value >= 1) return static_cast<int32_t>(value < kMaxThreads ? value : kMaxThreads);
  }
  const auto hardware = static_cast<int32_t>(std::thread::hardware_concurrency());
  return hardware < 1 ? 1 : (hardware < kMaxThreads ? hardware : kMaxThreads);
}

}  // namespace

int32_t thread_count() {
  static const int32_t count = configured_threads();
  return count;
}

void parallel_for(int64_t chunks, Body body, const void* context) {
  if (thread_count() > 1 && chunks > 1) {
    // Never destroyed: helpers may still sleep on it while the process exits.
    static Pool* const pool = new Pool(thread_count() - 1);
    if (pool->try_run(chunks, body, context)) return;
  }
  for (int64_t chunk = 0; chunk < chunks; ++chunk) body(context, chunk);
}

}  // namespace advstep::cpu
