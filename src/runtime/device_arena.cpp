#include "runtime/device_arena.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>

#include "advstep/detail/checked_arithmetic.hpp"

namespace advstep::runtime {
namespace {

constexpr size_t kGiB = size_t{1} << 30;
constexpr size_t kSmallestReservation = kGiB;

size_t wanted_reservation() {
  const int64_t page = sysconf(_SC_PAGESIZE);
  const int64_t pages = sysconf(_SC_PHYS_PAGES);
  size_t host = 16 * kGiB;
  if (page > 0 && pages > 0) host = static_cast<size_t>(page) * static_cast<size_t>(pages);
  return std::clamp(2 * host, 16 * kGiB, 1024 * kGiB) / kGiB * kGiB;
}

uintptr_t align_up(uintptr_t value, size_t alignment) { return (value + alignment - 1) & ~(uintptr_t{alignment} - 1); }

}  // namespace

DeviceArena::DeviceArena() {
  const int64_t page = sysconf(_SC_PAGESIZE);
  if (page > 0) page_ = static_cast<size_t>(page);
  for (size_t size = wanted_reservation(); size >= kSmallestReservation; size /= 2) {
    void* range = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (range == MAP_FAILED) continue;
    begin_ = reinterpret_cast<uintptr_t>(range);
    size_ = size;
    free_.emplace(begin_, size_);
    return;
  }
}

DeviceArena::~DeviceArena() {
  // The range is the process's for its whole life: blocks may still be in use by static objects'
  // destructors elsewhere, and an address must never become host memory. The OS reclaims it.
}

void* DeviceArena::allocate(size_t size, size_t alignment) {
  alignment = std::max(alignment, page_);
  size_t committed = 0;
  if (size == 0 || !detail::checked_add(size, page_ - 1, committed)) return nullptr;
  committed = committed / page_ * page_;
  const std::lock_guard<std::mutex> lock(mutex_);
  for (auto extent = free_.begin(); extent != free_.end(); ++extent) {
    const uintptr_t start = extent->first;
    const size_t length = extent->second;
    const uintptr_t aligned = align_up(start, alignment);
    const size_t lead = aligned - start;
    if (lead >= length || length - lead < committed) continue;
    if (mprotect(reinterpret_cast<void*>(aligned), committed, PROT_READ | PROT_WRITE) != 0) return nullptr;
    free_.erase(extent);
    if (lead > 0) free_.emplace(start, lead);
    if (const size_t tail = length - lead - committed; tail > 0) free_.emplace(aligned + committed, tail);
    allocated_.emplace(aligned, committed);
    return reinterpret_cast<void*>(aligned);
  }
  return nullptr;
}

void DeviceArena::release(void* address) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto block = allocated_.find(reinterpret_cast<uintptr_t>(address));
  if (block == allocated_.end()) return;
  uintptr_t start = block->first;
  size_t length = block->second;
  allocated_.erase(block);
  // The pages' contents are dropped (a later block starts from zeros) and any access now faults.
  (void)madvise(reinterpret_cast<void*>(start), length, MADV_DONTNEED);
  (void)mprotect(reinterpret_cast<void*>(start), length, PROT_NONE);
  // Merge with the free neighbours, so large blocks fit again after small ones are gone.
  auto next = free_.lower_bound(start);
  if (next != free_.end() && start + length == next->first) {
    length += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    const auto previous = std::prev(next);
    if (previous->first + previous->second == start) {
      start = previous->first;
      length += previous->second;
      free_.erase(previous);
    }
  }
  free_.emplace(start, length);
}

}  // namespace advstep::runtime
