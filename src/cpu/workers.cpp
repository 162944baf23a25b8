// The helper threads and the chunk counter they share with the caller.
//
// A loop's chunks are claimed one at a time from a counter that also carries the loop's generation,
// so a claim is one compare-and-swap that can only succeed for the loop now running. The caller
// publishes a loop, wakes the helpers and claims chunks itself; when none are left it waits only for
// the chunks a helper has claimed and not yet finished. A helper that the scheduler has not run yet
// claims nothing, so the caller never waits for it: on a busy machine the loop simply runs on the
// caller, as it would with one thread. Helpers park on a futex (std::atomic::wait) between loops.
#include "cpu/workers.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace advstep::cpu {
namespace {

constexpr int32_t kMaxThreads = 8;
/// The claim word: generation (high 32 bits), chunks in the loop (16 bits), next chunk (low 16).
constexpr int64_t kMaxPooledChunks = 0xFFFF;
/// How long the caller polls for chunks a helper still runs before it sleeps: a few chunks' time,
/// far less than the time slice that a helper the scheduler has put aside waits for.
constexpr std::chrono::microseconds kCallerPollTime{100};

inline void pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

int32_t configured_threads() {
  if (const char* text = std::getenv("ADVSTEP_NUM_THREADS")) {
    const long value = std::strtol(text, nullptr, 10);
    if (value >= 1) return static_cast<int32_t>(value < kMaxThreads ? value : kMaxThreads);
  }
  const auto hardware = static_cast<int32_t>(std::thread::hardware_concurrency());
  return hardware < 1 ? 1 : (hardware < kMaxThreads ? hardware : kMaxThreads);
}

using Body = void (*)(const void* context, int64_t chunk);

constexpr uint64_t pack(uint32_t generation, int64_t chunks) {
  return (uint64_t{generation} << 32) | (static_cast<uint64_t>(chunks) << 16);
}
constexpr uint32_t generation_of(uint64_t word) { return static_cast<uint32_t>(word >> 32); }
constexpr int64_t chunks_of(uint64_t word) { return static_cast<int64_t>((word >> 16) & 0xFFFF); }
constexpr int64_t next_of(uint64_t word) { return static_cast<int64_t>(word & 0xFFFF); }

class Pool {
 public:
  /// Starts @p helpers threads; false when none could be started.
  bool start(int32_t helpers) {
    // The helpers take no signals meant for the application: they start with every signal blocked.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int32_t started = 0;
    for (; started < helpers; ++started) {
      try {
        std::thread(&Pool::help_forever, this).detach();
      } catch (...) {
        break;  // out of threads: the ones already started serve
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return started > 0;
  }

  void run(int64_t chunks, Body body, const void* context) {
    const uint32_t generation = ++generation_;  // only the caller holding the pool writes it
    Job& job = jobs_[generation & 1];
    job.body.store(body, std::memory_order_relaxed);
    job.context.store(context, std::memory_order_relaxed);
    finished_.store(0, std::memory_order_relaxed);
    claims_.store(pack(generation, chunks), std::memory_order_release);
    published_.store(generation, std::memory_order_release);
    published_.notify_all();
    claim_and_run();
    // Every chunk is claimed: wait for those a helper is still running, and only for those.
    const auto total = static_cast<uint32_t>(chunks);
    uint32_t done = finished_.load(std::memory_order_acquire);
    if (done != total) {
      // A running helper finishes its chunk within microseconds: poll for that long rather than
      // sleep, because a caller that sleeps gives its core away and, on a busy machine, waits a
      // time slice to get it back.
      const auto until = std::chrono::steady_clock::now() + kCallerPollTime;
      while (done != total && std::chrono::steady_clock::now() < until) {
        for (int i = 0; i < 64 && done != total; ++i) {
          pause();
          done = finished_.load(std::memory_order_acquire);
        }
      }
    }
    while (done != total) {
      finished_.wait(done, std::memory_order_acquire);
      done = finished_.load(std::memory_order_acquire);
    }
  }

 private:
  struct Job {
    std::atomic<Body> body{nullptr};
    std::atomic<const void*> context{nullptr};
  };

  /// Claims and runs chunks of the loop now published until none is left.
  void claim_and_run() {
    uint64_t word = claims_.load(std::memory_order_acquire);
    while (next_of(word) < chunks_of(word)) {
      // Read before the claim, used only if the claim succeeds: a successful claim proves the
      // generation was still current, and the caller rewrites this job only two generations on,
      // after this chunk is counted finished.
      const Job& job = jobs_[generation_of(word) & 1];
      const Body body = job.body.load(std::memory_order_relaxed);
      const void* context = job.context.load(std::memory_order_relaxed);
      if (!claims_.compare_exchange_weak(word, word + 1, std::memory_order_acquire, std::memory_order_acquire)) {
        continue;  // another thread claimed, or a new loop began: `word` holds the current value
      }
      const int64_t chunk = next_of(word);
      body(context, chunk);
      const uint32_t done = finished_.fetch_add(1, std::memory_order_acq_rel) + 1;
      if (done == static_cast<uint32_t>(chunks_of(word))) finished_.notify_one();
      word = claims_.load(std::memory_order_acquire);
    }
  }

  /// A helper parks as soon as no chunk is left, rather than polling for the next loop: a polling
  /// helper is busy in the scheduler's eyes and gets preempted while it holds a chunk more often
  /// (measured: docs/benchmarks.md, "Tails").
  void help_forever() {
    uint32_t seen = 0;
    for (;;) {
      published_.wait(seen, std::memory_order_acquire);
      seen = published_.load(std::memory_order_acquire);
      claim_and_run();
    }
  }

  uint32_t generation_ = 0;
  Job jobs_[2];
  alignas(64) std::atomic<uint64_t> claims_{pack(0, 0)};
  alignas(64) std::atomic<uint32_t> finished_{0};
  alignas(64) std::atomic<uint32_t> published_{0};
};

// A process forked after the helpers started has none of them: the child runs every loop on the
// calling thread (it could not wait for them anyway: a helper that never runs claims nothing).
std::atomic<bool> g_forked{false};
void note_fork_in_child() { g_forked.store(true, std::memory_order_relaxed); }

/// The pool, started on first use; null when no helper could be started. Never destroyed: a
/// helper may still be parked in it while the process exits.
Pool* pool() {
  static Pool* const instance = [] {
    if (pthread_atfork(nullptr, nullptr, &note_fork_in_child) != 0) return static_cast<Pool*>(nullptr);
    auto* created = new Pool;
    if (created->start(thread_count() - 1)) return created;
    delete created;
    return static_cast<Pool*>(nullptr);
  }();
  return instance;
}

}  // namespace

int32_t thread_count() {
  static const int32_t count = configured_threads();
  return count;
}

void parallel_for(int64_t chunks, void (*body)(const void* context, int64_t chunk), const void* context) {
  // One loop at a time uses the helpers: a second caller's loop would only compete for the same
  // cores. It runs on its own thread instead, as does a loop in a forked child.
  static std::atomic_flag pool_busy = ATOMIC_FLAG_INIT;
  Pool* const helpers = chunks > 1 && chunks <= kMaxPooledChunks && thread_count() > 1 &&
                                !g_forked.load(std::memory_order_relaxed)
                            ? pool()
                            : nullptr;
  if (helpers == nullptr || pool_busy.test_and_set(std::memory_order_acquire)) {
    for (int64_t chunk = 0; chunk < chunks; ++chunk) body(context, chunk);
    return;
  }
  helpers->run(chunks, body, context);
  pool_busy.clear(std::memory_order_release);
}

}  // namespace advstep::cpu
