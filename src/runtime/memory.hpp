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
bool release(void* address, MemoryKind kind);

/// The block of @p kind holding [address, address + bytes), or null when no such block holds it all.
const Block* find_block(const void* address, size_t bytes, MemoryKind kind);

/// Whether @p address lies inside some block of @p kind (for messages that say what it is instead).
const Block* find_block_containing(const void* address, MemoryKind kind);

/// The C API's memory rule: tensors live in device blocks from aclrtMalloc, entirely, allocated on
/// @p device (the device whose stream will run them). @p device must name a device of the backend.
const core::MemoryDomain& device_memory_domain(int32_t device);

}  // namespace advstep::runtime
