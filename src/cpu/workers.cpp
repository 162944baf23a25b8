#include "cpu/workers.hpp"

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

}  // namespace

int32_t thread_count() {
  static const int32_t count = configured_threads();
  return count;
}

void parallel_for(int64_t chunks, void (*body)(const void* context, int64_t chunk), const void* context) {
  // One team at a time: a second caller's team would only compete for the same cores, and an
  // OpenMP team whose threads are descheduled holds its caller at the closing barrier.
  static std::atomic_flag team_busy = ATOMIC_FLAG_INIT;
  if (chunks <= 1 || thread_count() == 1 || team_busy.test_and_set(std::memory_order_acquire)) {
    for (int64_t chunk = 0; chunk < chunks; ++chunk) body(context, chunk);
    return;
  }
  // A body never throws (the kernels return faults as values), as an OpenMP region requires.
#pragma omp parallel for num_threads(thread_count()) schedule(dynamic, 1)
  for (int64_t chunk = 0; chunk < chunks; ++chunk) body(context, chunk);
  team_busy.clear(std::memory_order_release);
}

}  // namespace advstep::cpu
