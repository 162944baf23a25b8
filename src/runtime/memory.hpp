// The blocks this runtime handed out, so that tensors and copies can be checked against them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

#include "advstep/status.hpp"
#include "core/plan.hpp"

namespace advstep::runtime {

enum class MemoryKind : int32_t { kDevice, kHost };

struct Block {
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

/// Held by an operator run from before it checks its blocks until its last write (or enqueue). The
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

/// The C API's memory rule: tensors live in device blocks from aclrtMalloc, entirely, allocated on
/// @p device (the device whose stream will run them). @p device must name a device of the backend.
const core::MemoryDomain& device_memory_domain(int32_t device);

}  // namespace advstep::runtime
