// The host's "device memory": one address range reserved for the process, committed block by block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace advstep::runtime {

/// Device memory on the host, carved out of a range of addresses reserved once (mmap, PROT_NONE)
/// and never given back, so an address stays recognisable as device memory for the life of the
/// process: a freed block, or the bytes past a block's end, are still inside the range and are
/// refused as device memory instead of being taken for host memory. A block's pages are readable
/// and writable only while it is allocated; freed pages are dropped and made inaccessible again, so
/// a stray write into them faults instead of landing in someone's heap.
class DeviceArena {
 public:
  /// Reserves the range: twice the host's memory, at least 16 GiB, at most 1 TiB (address space
  /// only: nothing is committed until a block is). Smaller when the system refuses that much.
  DeviceArena();
  ~DeviceArena();
  DeviceArena(const DeviceArena&) = delete;
  DeviceArena& operator=(const DeviceArena&) = delete;

  /// @p size bytes starting on an @p alignment boundary (a power of two, at least a page), whole
  /// pages committed; null when the range has no room (or could not be reserved).
  void* allocate(size_t size, size_t alignment);

  /// Gives back a block allocate() returned; its pages become inaccessible. Unknown addresses are ignored.
  void release(void* address);

  /// Whether @p address lies in the reserved range (a live block, a freed one, or never used).
  [[nodiscard]] bool contains(const void* address) const {
    const auto at = reinterpret_cast<uintptr_t>(address);
    return at >= begin_ && at - begin_ < size_;
  }

 private:
  uintptr_t begin_ = 0;
  size_t size_ = 0;
  size_t page_ = 4096;
  std::mutex mutex_;
  std::map<uintptr_t, size_t> free_;       ///< start -> bytes of each unused extent, merged
  std::map<uintptr_t, size_t> allocated_;  ///< start -> committed bytes of each block
};

}  // namespace advstep::runtime
