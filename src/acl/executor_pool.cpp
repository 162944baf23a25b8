#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "acl/executor.hpp"
#include "runtime/snapshot_registry.hpp"

namespace advstep::acl {
namespace {

constexpr size_t kSlabExecutors = 64;

struct Slab {
  aclOpExecutor items[kSlabExecutors];
};

/// Slab address -> slab; slabs live as long as the process, so a stale handle never dangles.
using SlabMap = std::map<uintptr_t, std::unique_ptr<Slab>>;

struct SlabRanges {
  std::map<uintptr_t, uintptr_t> ranges;  // begin -> end
};

runtime::SnapshotRegistry<SlabRanges>& slab_ranges() {
  static runtime::SnapshotRegistry<SlabRanges> registry;
  return registry;
}

/// Free executors, first in first out: a released slot goes to the back, so a handle that is run
/// again after its single use is still recognised (state kFree) until every other free slot of the
/// thread has been handed out. A ring over a vector that only grows, so warm calls never allocate.
class FreeRing {
 public:
  [[nodiscard]] bool empty() const { return count_ == 0; }

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

FreeRing& free_list() {
  thread_local FreeRing executors;
  return executors;
}

void grow() {
  static std::mutex mutex;
  static SlabMap slabs;
  auto slab = std::make_unique<Slab>();
  const auto begin = reinterpret_cast<uintptr_t>(slab->items);
  const uintptr_t end = begin + sizeof(slab->items);
  auto& executors = free_list();
  for (auto& item : slab->items) executors.push(&item);
  {
    std::lock_guard<std::mutex> lock(mutex);
    slabs.emplace(begin, std::move(slab));
  }
  slab_ranges().update([&](SlabRanges& map) { map.ranges.emplace(begin, end); });
}

}  // namespace

aclOpExecutor* acquire_executor() {
  auto& executors = free_list();
  if (executors.empty()) grow();
  aclOpExecutor* executor = executors.pop();
  executor->state = aclOpExecutor::State::kPlanned;
  executor->repeatable = false;
  executor->addresses_changed = false;
  return executor;
}

void release_executor(aclOpExecutor* executor) {
  executor->state = aclOpExecutor::State::kFree;
  free_list().push(executor);
}

bool is_pool_executor(const aclOpExecutor* executor) {
  const auto at = reinterpret_cast<uintptr_t>(executor);
  const auto& ranges = slab_ranges().read().ranges;
  auto it = ranges.upper_bound(at);
  if (it == ranges.begin()) return false;
  --it;
  return at < it->second && (at - it->first) % sizeof(aclOpExecutor) == 0;
}

}  // namespace advstep::acl
