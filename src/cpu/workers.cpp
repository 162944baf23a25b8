#include "cpu/workers.hpp"

#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <thread>

namespace advstep::cpu {
namespace {

constexpr int32_t kMaxThreads = 8;

int32_t configured_threads() {
  if (const char* text = std::getenv("ADVSTEP_NUM_THREADS")) {
    const long value = std::strtol(text, nullptr, 10);
    if (value >= 1) return static_cast<int32_t>(value < kMaxThreads ? value : kMaxThreads);
  }
  const auto hardware = static_cast<int32_t>(std::thread::hardware_concurrency());
  return hardware < 1 ? 1 : (hardware < kMaxThreads ? hardware : kMaxThreads);
}

// A process forked after the team started has none of its threads, and libgomp's next region
// would wait for them forever: the child runs every loop on the calling thread instead.
std::atomic<bool> g_team_started{false};
std::atomic<bool> g_forked_after_team{false};

void forget_team_in_child() {
  if (g_team_started.load(std::memory_order_relaxed)) g_forked_after_team.store(true, std::memory_order_relaxed);
}

}  // namespace

int32_t thread_count() {
  static const int32_t count = configured_threads();
  return count;
}

void parallel_for(int64_t chunks, void (*body)(const void* context, int64_t chunk), const void* context) {
  // One team at a time: a second caller's team would only compete for the same cores, and an
  // OpenMP team whose threads are descheduled holds its caller at the closing barrier.
  static std::atomic_flag team_busy = ATOMIC_FLAG_INIT;
  static const bool fork_watched = (pthread_atfork(nullptr, nullptr, &forget_team_in_child) == 0);
  const bool team_usable = fork_watched && !g_forked_after_team.load(std::memory_order_relaxed);
  if (chunks <= 1 || thread_count() == 1 || !team_usable || team_busy.test_and_set(std::memory_order_acquire)) {
    for (int64_t chunk = 0; chunk < chunks; ++chunk) body(context, chunk);
    return;
  }
  // A body never throws (the kernels return faults as values), as an OpenMP region requires.
  g_team_started.store(true, std::memory_order_relaxed);
#pragma omp parallel for num_threads(thread_count()) schedule(dynamic, 1)
  for (int64_t chunk = 0; chunk < chunks; ++chunk) body(context, chunk);
  team_busy.clear(std::memory_order_release);
}

}  // namespace advstep::cpu
