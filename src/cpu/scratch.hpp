// Per-thread scratch memory for the kernels' check pass results.
#pragma once

#include <cstddef>

namespace advstep::cpu {

/// At least @p bytes of 64-byte aligned memory owned by the calling thread, valid until its next
/// call. It grows (by doubling) when a larger batch arrives and is kept, so a warm call allocates
/// nothing. Throws std::bad_alloc when memory is exhausted.
void* thread_scratch(std::size_t bytes);

}  // namespace advstep::cpu
