#include "cuda/cuda_memory.hpp"

#include <cstring>
#include <mutex>
#include <string>

#include "core/message.hpp"
#include "cuda/cuda_queue.hpp"
#include "cuda/cuda_status.hpp"

namespace advstep::cuda {
namespace {

using runtime::CopyDirection;

constexpr auto kParamInvalid = static_cast<StatusCode>(107000);  // ACL_ERROR_RT_PARAM_INVALID

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

Status check_host_side(const char* side, const void* address, CopyDirection direction) {
  cudaMemoryType type = cudaMemoryTypeUnregistered;
  if (Status s = memory_type(address, type); !s.ok()) return s;
  if (type != cudaMemoryTypeDevice) return {};
  const char* names[] = {"host-to-host", "host-to-device", "device-to-host", "device-to-device", "inferred"};
  return {kParamInvalid, core::concat(side, " must be host memory for a ", names[static_cast<int32_t>(direction)],
                                      " copy (expected host memory, got GPU memory at ", core::address_string(address),
                                      ")")};
}

/// Waits for the synchronous forms' work, enqueued on the legacy default stream, to finish.
Status finish_on_legacy_stream(const char* call) {
  if (cudaError_t e = cudaStreamSynchronize(nullptr); e != cudaSuccess) {
    return failure(std::string(call) + " failed while finishing", e);
  }
  return {};
}

}  // namespace

Status copy(void* dst, const void* src, size_t count, CopyDirection direction, bool async, cudaStream_t stream) {
  const bool src_host = direction == CopyDirection::kHostToHost || direction == CopyDirection::kHostToDevice;
  const bool dst_host = direction == CopyDirection::kHostToHost || direction == CopyDirection::kDeviceToHost;
  if (src_host) {
    if (Status s = check_host_side("src", src, direction); !s.ok()) return s;
  }
  if (dst_host) {
    if (Status s = check_host_side("dst", dst, direction); !s.ok()) return s;
  }
  const cudaMemcpyKind kind = kind_of(direction);
  if (async) {
    if (cudaError_t e = cudaMemcpyAsync(dst, src, count, kind, stream); e != cudaSuccess) {
      return failure("cudaMemcpyAsync failed", e);
    }
    return {};
  }
  // cudaMemcpy may return before a device-to-device copy has finished; aclrtMemcpy may not.
  {
    const std::lock_guard<std::mutex> lock(enqueue_mutex());
    if (cudaError_t e = cudaMemcpyAsync(dst, src, count, kind, nullptr); e != cudaSuccess) {
      return failure("cudaMemcpy failed", e);
    }
  }
  return finish_on_legacy_stream("cudaMemcpy");
}

Status fill(void* dst, int32_t value, size_t count, bool async, cudaStream_t stream) {
  cudaMemoryType type = cudaMemoryTypeUnregistered;
  if (Status s = memory_type(dst, type); !s.ok()) return s;
  if (type == cudaMemoryTypeDevice || type == cudaMemoryTypeManaged) {
    if (async) {  // the queue holds the enqueue lock
      if (cudaError_t e = cudaMemsetAsync(dst, value, count, stream); e != cudaSuccess) {
        return failure("cudaMemsetAsync failed", e);
      }
      return {};
    }
    // cudaMemset returns before the fill of device memory is done; aclrtMemset may not.
    {
      const std::lock_guard<std::mutex> lock(enqueue_mutex());
      if (cudaError_t e = cudaMemsetAsync(dst, value, count, nullptr); e != cudaSuccess) {
        return failure("cudaMemset failed", e);
      }
    }
    return finish_on_legacy_stream("cudaMemset");
  }
  if (async) {
    // Host memory (pinned or not) is filled by the host, after the stream's earlier work is done.
    if (const cudaError_t error = cudaStreamSynchronize(stream); error != cudaSuccess) {
      return failure("cudaStreamSynchronize failed", error);
    }
  }
  std::memset(dst, static_cast<unsigned char>(value), count);
  return {};
}

}  // namespace advstep::cuda
