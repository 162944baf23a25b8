// Where executors come from: slabs that live for the process, a shared free queue, and a small
// cache per thread so that a warm two-phase call takes no lock.
#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "acl/executor.hpp"
#include "runtime/snapshot_registry.hpp"

namespace advstep::acl {
namespace {

constexpr size_t kSlabExecutors = 64;
/// Executors a thread moves between its cache and the shared queue at once: a thread that only
/// plans (or only runs) takes the shared lock once per kBatch calls.
constexpr size_t kBatch = 32;
/// A thread's cache never holds more than this: the rest goes back to the shared queue, so that
/// executors planned on one thread and run (freed) on another are reused, not re-allocated.
constexpr size_t kCacheLimit = 2 * kBatch;

struct Slab {
  aclOpExecutor items[kSlabExecutors];
};

struct SlabRange {
  uintptr_t begin;
  uintptr_t end;
};

/// Sorted by begin: a look-up is a binary search over a flat array, without a tree's node walks.
struct SlabRanges {
  std::vector<SlabRange> ranges;
};

runtime::SnapshotRegistry<SlabRanges>& slab_ranges() {
  static runtime::SnapshotRegistry<SlabRanges> registry;
  return registry;
}

/// Free executors, first in first out: a released executor goes to the back, so a stale handle (a
/// single-use executor run again) is still recognised as free until the executors released before
/// it have been handed out. A ring over a vector that only grows, so warm calls never allocate.
class FreeRing {
 public:
  [[nodiscard]] bool empty() const { return count_ == 0; }
  [[nodiscard]] size_t size() const { return count_; }

  void push(aclOpExecutor* executor) {
    if (count_ == slots_.size()) {
      std::vector<aclOpExecutor*> larger(slots_.size() * 2 + kSlabExecutors);
      for (size_t k = 0; k < count_; ++k) larger[k] = slots_[(head_ + k) % slots_.size()];
      slots_.swap(larger);
      head_ = 0;
    }
    slots_[(head_ + count_) % slots_.size()] = executor;
    ++count_;
  }

  aclOpExecutor* pop() {
    aclOpExecutor* executor = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    --count_;
    return executor;
  }

 private:
  std::vector<aclOpExecutor*> slots_;
  size_t head_ = 0;
  size_t count_ = 0;
};

/// Every executor not in a thread's cache and not in use. Slabs are never freed (a stale handle must
/// never dangle), but they are only added when no free executor is left anywhere, so the memory held
/// is that of the most executors ever live at once plus the caches, whatever thread frees them.
class SharedPool {
 public:
  /// Moves up to kBatch free executors into @p cache, adding a slab when there are none.
  void refill(FreeRing& cache) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) add_slab();
    for (size_t k = 0; k < kBatch && !free_.empty(); ++k) {
      cache.push(free_.front());
      free_.pop_front();
    }
  }

  /// Takes the @p count oldest executors of @p cache.
  void drain(FreeRing& cache, size_t count) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t k = 0; k < count && !cache.empty(); ++k) free_.push_back(cache.pop());
  }

 private:
  void add_slab() {
    auto slab = std::make_unique<Slab>();
    const auto begin = reinterpret_cast<uintptr_t>(slab->items);
    const uintptr_t end = begin + sizeof(slab->items);
    for (auto& item : slab->items) free_.push_back(&item);
    slabs_.push_back(std::move(slab));
    slab_ranges().update([&](SlabRanges& list) {
      const auto at = std::upper_bound(list.ranges.begin(), list.ranges.end(), begin,
                                       [](uintptr_t value, const SlabRange& range) { return value < range.begin; });
      list.ranges.insert(at, SlabRange{begin, end});
    });
  }

  std::mutex mutex_;
  std::deque<aclOpExecutor*> free_;
  std::vector<std::unique_ptr<Slab>> slabs_;
};

SharedPool& shared_pool() {
  static SharedPool* const pool = new SharedPool;  // never destroyed: threads may exit after main
  return *pool;
}

/// The calling thread's cache, once made: a plain pointer, so that a warm call reads it with one TLS
/// access and no guard.
thread_local FreeRing* t_cache = nullptr;

/// The calling thread's cache; what it holds goes back to the shared queue when the thread exits.
struct ThreadCache {
  FreeRing ring;
  ~ThreadCache() {
    shared_pool().drain(ring, ring.size());
    t_cache = nullptr;
  }
};

FreeRing& cache() {
  if (t_cache == nullptr) {
    thread_local ThreadCache cache;
    t_cache = &cache.ring;
  }
  return *t_cache;
}

}  // namespace

aclOpExecutor* acquire_executor() {
  FreeRing& executors = cache();
  if (executors.empty()) shared_pool().refill(executors);
  aclOpExecutor* executor = executors.pop();
  executor->state = aclOpExecutor::State::kPlanned;
  executor->repeatable = false;
  executor->addresses_changed = false;
  return executor;
}

void release_executor(aclOpExecutor* executor) {
  executor->state = aclOpExecutor::State::kFree;
  FreeRing& executors = cache();
  executors.push(executor);
  if (executors.size() > kCacheLimit) shared_pool().drain(executors, kBatch);
}

bool is_pool_executor(const aclOpExecutor* executor) {
  const auto at = reinterpret_cast<uintptr_t>(executor);
  const auto& ranges = slab_ranges().read().ranges;
  const auto after = std::upper_bound(ranges.begin(), ranges.end(), at,
                                      [](uintptr_t value, const SlabRange& range) { return value < range.begin; });
  if (after == ranges.begin()) return false;
  const SlabRange& slab = *(after - 1);
  return at < slab.end && (at - slab.begin) % sizeof(aclOpExecutor) == 0;
}

}  // namespace advstep::acl
