#include <map>
#include <mutex>
#include <memory>
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

std::vector<aclOpExecutor*>& free_list() {
  thread_local std::vector<aclOpExecutor*> executors;
  return executors;
}

void grow() {
  static std::mutex mutex;
  static SlabMap slabs;
  auto slab = std::make_unique<Slab>();
  const auto begin = reinterpret_cast<uintptr_t>(slab->items);
  const uintptr_t end = begin + sizeof(slab->items);
  auto& executors = free_list();
  executors.reserve(executors.size() + kSlabExecutors);
  for (auto& item : slab->items) executors.push_back(&item);
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
  aclOpExecutor* executor = executors.back();
  executors.pop_back();
  executor->state = aclOpExecutor::State::kPlanned;
  executor->repeatable = false;
  executor->addresses_changed = false;
  return executor;
}

void release_executor(aclOpExecutor* executor) {
  executor->state = aclOpExecutor::State::kFree;
  auto& executors = free_list();
  if (executors.size() == executors.capacity()) executors.reserve(executors.size() * 2 + kSlabExecutors);
  executors.push_back(executor);
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
