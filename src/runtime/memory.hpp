// The blocks this runtime handed out, so that tensors and copies can be checked against them.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "advstep/status.hpp"
#include "core/plan.hpp"

namespace advstep::runtime {

enum class MemoryKind : int32_t { kDevice, kHost };

/// Where the id of a live block is kept, so that work holding a block can tell in one load whether
/// it is still that allocation: the slot holds the block's id while it is allocated and 0 once it
/// is freed. Slots are never freed (a handle must never dangle), only given to later blocks, which
/// have other ids.
struct BlockSlot {
  std::atomic<uint64_t> id{0};
};

struct Block {
  uint64_t id;  ///< unique to this allocation for the life of the process: never reused with the address
  uintptr_t begin;
  size_t size;  ///< bytes the caller asked for: anything past it is out of bounds
  MemoryKind kind;
  int32_t device;  ///< the runtime's device of the allocating thread, which the memory belongs to
  BlockSlot* slot;  ///< holds id until the block is freed
};

/// The live blocks, sorted by address: a look-up is a binary search over a flat array, without
/// the node walks of a tree. Read through a snapshot (see SnapshotRegistry), changed by copy.
class BlockList {
 public:
  /// The block of @p kind holding @p address, or null.
  [[nodiscard]] const Block* containing(uintptr_t address, MemoryKind kind) const;
  /// The block of @p kind holding [address, address + bytes) entirely, or null.
  [[nodiscard]] const Block* holding(uintptr_t address, size_t bytes, MemoryKind kind) const;
  /// The block starting at @p begin, or null.
  [[nodiscard]] const Block* starting_at(uintptr_t begin) const;

  void insert(const Block& block);
  void erase(uintptr_t begin);

 private:
  std::vector<Block> sorted_;  ///< by begin; blocks never overlap
};

/// The newest list of live blocks, for several look-ups in a row (one snapshot read instead of one
/// per look-up); valid until this thread's next call of blocks_now() or of the functions below.
const BlockList& blocks_now();

/// Allocates @p size bytes of @p kind on the calling thread's device (aclrtSetDevice's, not CUDA's
/// current one): host memory, or cudaMalloc / cudaMallocHost, at least 64-byte aligned, and records
/// the block with its device. Null when memory is exhausted.
void* allocate(size_t size, MemoryKind kind);

/// Forgets and frees a block that starts at @p address; false when there is none of @p kind there.
/// The memory itself is given back only once no run that checked its blocks is still running (see
/// BlocksInUse), as cudaFree waits for the device: a block freed by another thread mid-step is
/// never written after its release.
bool release(void* address, MemoryKind kind);

/// Held by any work on blocks (an operator run, a copy, a fill) from before it checks its blocks
/// until its last write (or enqueue on a device that orders frees after its work). The
/// check-then-use pair with release() is store-then-load on both sides, so each side is fenced:
/// either the run's check misses the forgotten block, or release() sees the run and waits for it.
/// Runs are counted per epoch and release() waits only for the epoch it closes, so runs that start
/// while it waits cannot keep it waiting. Costs three atomic operations and a fence; no lock.
class BlocksInUse {
 public:
  BlocksInUse();
  ~BlocksInUse();
  BlocksInUse(const BlocksInUse&) = delete;
  BlocksInUse& operator=(const BlocksInUse&) = delete;

 private:
  int32_t epoch_;
};

/// The block of @p kind holding [address, address + bytes), or null when no such block holds it all.
const Block* find_block(const void* address, size_t bytes, MemoryKind kind);

/// Whether @p address lies inside some block of @p kind (for messages that say what it is instead).
const Block* find_block_containing(const void* address, MemoryKind kind);

/// The id of the live block of @p kind holding @p address, or 0 when none does. Queued work keeps
/// the ids of its blocks: a block freed before the work runs is recognised even when its address
/// has been handed out again (the new block has another id).
uint64_t block_id(const void* address, MemoryKind kind);

/// Whether @p address is device memory: inside a live device block, or anywhere in the device's
/// memory (a freed block, past a block's end). Such an address is never host memory.
bool is_device_address(const void* address);

/// The C API's memory rule for one tensor (see device_memory_domain), looked up in @p blocks; the
/// block found is stored in @p block when the tensor passes.
Status check_device_tensor(const BlockList& blocks, int32_t device, const char* api, const char* name,
                           const core::TensorDesc& tensor, int64_t bytes, const Block*& block);

/// The C API's memory rule: tensors live in device blocks from aclrtMalloc, entirely, allocated on
/// @p device (the device whose stream will run them). @p device must name a device of the backend.
const core::MemoryDomain& device_memory_domain(int32_t device);

}  // namespace advstep::runtime
