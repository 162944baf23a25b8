#include "cuda/cuda_memory.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

#include "core/message.hpp"
#include "cuda/cuda_queue.hpp"
#include "cuda/cuda_status.hpp"

namespace advstep::cuda {
namespace {

using runtime::CopyDirection;

constexpr StatusCode kParamInvalid = StatusCode::kRtParamInvalid;

cudaMemcpyKind kind_of(CopyDirection direction) {
  switch (direction) {
    case CopyDirection::kHostToHost:
      return cudaMemcpyHostToHost;
    case CopyDirection::kHostToDevice:
      return cudaMemcpyHostToDevice;
    case CopyDirection::kDeviceToHost:
      return cudaMemcpyDeviceToHost;
    case CopyDirection::kDeviceToDevice:
      return cudaMemcpyDeviceToDevice;
    case CopyDirection::kInfer:
      break;
  }
  return cudaMemcpyDefault;
}

/// cudaMemoryTypeUnregistered for plain host memory, else what CUDA knows of @p address.
Status memory_type(const void* address, cudaMemoryType& type) {
  cudaPointerAttributes attributes{};
  const cudaError_t error = cudaPointerGetAttributes(&attributes, address);
  if (error != cudaSuccess) return failure("cudaPointerGetAttributes failed", error);
  type = attributes.type;
  return {};
}

/// Refuses GPU memory (@p type) on the host side of an explicit direction.
Status check_host_side(const char* side, const void* address, cudaMemoryType type, CopyDirection direction) {
  if (direction == CopyDirection::kInfer || type != cudaMemoryTypeDevice) return {};
  const char* names[] = {"host-to-host", "host-to-device", "device-to-host", "device-to-device", "inferred"};
  return {kParamInvalid, core::concat(side, " must be host memory for a ", names[static_cast<int32_t>(direction)],
                                      " copy (expected host memory, got GPU memory at ", core::address_string(address),
                                      ")")};
}

/// Waits for @p stream (null: the legacy default stream), outside the enqueue lock.
Status finish(cudaStream_t stream, const char* call) {
  if (cudaError_t e = cudaStreamSynchronize(stream); e != cudaSuccess) {
    return failure(std::string(call) + " failed while finishing", e);
  }
  return {};
}

/// cudaMemcpyAsync under the enqueue lock; it must not block there (see copy()).
Status enqueue_copy(void* dst, const void* src, size_t count, cudaMemcpyKind kind, cudaStream_t stream,
                    const char* call) {
  const std::lock_guard<std::mutex> lock(enqueue_mutex());
  if (cudaError_t e = cudaMemcpyAsync(dst, src, count, kind, stream); e != cudaSuccess) {
    return failure(std::string(call) + " failed", e);
  }
  return {};
}

/// Pinned memory through which copies from or to pageable host memory go: cudaMemcpyAsync with
/// pageable memory blocks (until the stream's earlier work is done, and for a copy to it until the
/// copy is), and it must not block under the enqueue lock, which every launch of every thread
/// waits for (a host function on a stream that enqueues would even deadlock). One buffer for the
/// process, guarded by its own mutex, allocated at the first such copy and kept.
struct Staging {
  static constexpr size_t kBytes = size_t{4} << 20;
  std::mutex mutex;
  void* buffer = nullptr;
};

Staging& staging() {
  static Staging instance;
  return instance;
}

/// Copies through the staging buffer, chunk by chunk: the pageable side by the host, the rest by
/// @p kind on @p stream (enqueued under the lock, waited for outside it). Complete on return.
/// @p src_pageable: the source is the pageable side, else the destination is.
Status staged_copy(void* dst, const void* src, size_t count, cudaMemcpyKind kind, bool src_pageable,
                   cudaStream_t stream, const char* call) {
  Staging& stage = staging();
  const std::lock_guard<std::mutex> lock(stage.mutex);
  if (stage.buffer == nullptr) {
    if (cudaError_t e = cudaMallocHost(&stage.buffer, Staging::kBytes); e != cudaSuccess) {
      stage.buffer = nullptr;
      return failure(std::string(call) + ": cudaMallocHost of the staging buffer failed", e);
    }
  }
  auto* to = static_cast<unsigned char*>(dst);
  const auto* from = static_cast<const unsigned char*>(src);
  for (size_t done = 0; done < count;) {
    const size_t chunk = std::min(count - done, Staging::kBytes);
    if (src_pageable) {
      std::memcpy(stage.buffer, from + done, chunk);
      if (Status s = enqueue_copy(to + done, stage.buffer, chunk, kind, stream, call); !s.ok()) return s;
      if (Status s = finish(stream, call); !s.ok()) return s;  // before the buffer is refilled
    } else {
      if (Status s = enqueue_copy(stage.buffer, from + done, chunk, kind, stream, call); !s.ok()) return s;
      if (Status s = finish(stream, call); !s.ok()) return s;
      std::memcpy(to + done, stage.buffer, chunk);
    }
    done += chunk;
  }
  return {};
}

}  // namespace

Status copy(void* dst, const void* src, size_t count, CopyDirection direction, bool async, cudaStream_t stream) {
  const bool src_host = direction == CopyDirection::kHostToHost || direction == CopyDirection::kHostToDevice ||
                        direction == CopyDirection::kInfer;
  const bool dst_host = direction == CopyDirection::kHostToHost || direction == CopyDirection::kDeviceToHost ||
                        direction == CopyDirection::kInfer;
  cudaMemoryType src_type = cudaMemoryTypeUnregistered;
  cudaMemoryType dst_type = cudaMemoryTypeUnregistered;
  if (src_host) {
    if (Status s = memory_type(src, src_type); !s.ok()) return s;
    if (Status s = check_host_side("src", src, src_type, direction); !s.ok()) return s;
  }
  if (dst_host) {
    if (Status s = memory_type(dst, dst_type); !s.ok()) return s;
    if (Status s = check_host_side("dst", dst, dst_type, direction); !s.ok()) return s;
  }
  const char* call = async ? "cudaMemcpyAsync" : "cudaMemcpy";
  const cudaMemcpyKind kind = kind_of(direction);
  // The synchronous form enqueues on the legacy default stream and waits for it: cudaMemcpy may
  // return before a device-to-device copy has finished; aclrtMemcpy may not.
  const cudaStream_t target = async ? stream : nullptr;
  const bool src_pageable = src_host && src_type == cudaMemoryTypeUnregistered;
  const bool dst_pageable = dst_host && dst_type == cudaMemoryTypeUnregistered;
  if (src_pageable && dst_pageable) {
    // Host to host: after the stream's earlier work, by the host, touching nothing a kernel reads.
    if (Status s = finish(target, call); !s.ok()) return s;
    std::memcpy(dst, src, count);
    return {};
  }
  if (src_pageable || dst_pageable) {
    // Complete on return even for the async form, as CUDA itself makes most pageable copies.
    return staged_copy(dst, src, count, kind, src_pageable, target, call);
  }
  if (Status s = enqueue_copy(dst, src, count, kind, target, call); !s.ok()) return s;
  return async ? Status{} : finish(target, call);
}

Status fill(void* dst, int32_t value, size_t count, bool async, cudaStream_t stream) {
  cudaMemoryType type = cudaMemoryTypeUnregistered;
  if (Status s = memory_type(dst, type); !s.ok()) return s;
  // The synchronous form fills on the legacy default stream and waits for it: cudaMemset returns
  // before the fill of device memory is done; aclrtMemset may not.
  const cudaStream_t target = async ? stream : nullptr;
  if (type == cudaMemoryTypeDevice || type == cudaMemoryTypeManaged) {
    {
      const std::lock_guard<std::mutex> lock(enqueue_mutex());
      if (cudaError_t e = cudaMemsetAsync(dst, value, count, target); e != cudaSuccess) {
        return failure(async ? "cudaMemsetAsync failed" : "cudaMemset failed", e);
      }
    }
    return async ? Status{} : finish(target, "cudaMemset");
  }
  if (async) {
    // Host memory (pinned or not) is filled by the host, after the stream's earlier work is done:
    // waited for outside the enqueue lock.
    if (Status s = finish(stream, "cudaStreamSynchronize"); !s.ok()) return s;
  }
  std::memset(dst, static_cast<unsigned char>(value), count);
  return {};
}

}  // namespace advstep::cuda
