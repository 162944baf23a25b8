// The blocks this runtime handed out, so that tensors and copies can be checked against them.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <map>

#include "advstep/status.hpp"
#include "core/plan.hpp"

namespace advstep::runtime {

enum class MemoryKind : int32_t { kDevice, kHost };

struct Block {
  uint64_t id;  ///< unique to this allocation for the life of the process: never reused with the address
  uintptr_t begin;
  size_t size;  ///< bytes the caller asked for: anything past it is out of bounds
  MemoryKind kind;
  int32_t device;  ///< the runtime's device of the allocating thread, which the memory belongs to
};

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

/// The ids of the device blocks holding a plan's tensors when it was queued (0: a tensor not given).
struct PlanBlocks {
  std::array<uint64_t, core::kRoleCount> ids{};
};

/// The blocks @p plan's tensors are in now.
PlanBlocks blocks_of(const core::Plan& plan);

/// Refuses (ACLNN_ERR_PARAM_INVALID, naming the tensor) when a block of @p queued is no longer the
/// block at its tensor's address: freed since the plan was queued, whether or not the address was
/// allocated again. Call while holding BlocksInUse, after core::check_memory.
Status check_blocks_unchanged(const core::Plan& plan, const PlanBlocks& queued);

/// The C API's memory rule: tensors live in device blocks from aclrtMalloc, entirely, allocated on
/// @p device (the device whose stream will run them). @p device must name a device of the backend.
const core::MemoryDomain& device_memory_domain(int32_t device);

}  // namespace advstep::runtime
