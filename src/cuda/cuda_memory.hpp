// Copies and fills on a CUDA device, for aclrtMemcpy/aclrtMemset and their async forms.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "advstep/status.hpp"
#include "runtime/device_backend.hpp"

namespace advstep::cuda {

/// Copies @p count bytes in @p direction: on @p stream when @p async, else complete on return (even
/// device to device, where cudaMemcpy itself may return early).
/// An explicit direction is passed on to CUDA as it is (kInfer becomes cudaMemcpyDefault), after
/// checking that its host side is not GPU memory, which CUDA would otherwise misread.
/// Enqueues under enqueue_mutex() and waits outside it: pageable host memory (with which
/// cudaMemcpyAsync blocks) goes through a pinned staging buffer, chunk by chunk, and such a copy
/// is complete on return even when @p async; host to host between pageable buffers is the host's
/// memcpy after @p stream's earlier work.
Status copy(void* dst, const void* src, size_t count, runtime::CopyDirection direction, bool async,
            cudaStream_t stream);

/// Fills @p count bytes with @p value: cudaMemsetAsync for GPU memory (device or managed), enqueued
/// under enqueue_mutex(), complete on return unless @p async; host memory, pinned or not, is filled
/// by the host, after @p stream's earlier work when @p async (waited for without the lock).
Status fill(void* dst, int32_t value, size_t count, bool async, cudaStream_t stream);

}  // namespace advstep::cuda
