#include "cuda/cuda_memory.hpp"

#include <cstring>
#include <string>

#include "core/message.hpp"
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
  const cudaError_t error = async ? cudaMemcpyAsync(dst, src, count, kind, stream) : cudaMemcpy(dst, src, count, kind);
  if (error != cudaSuccess) return failure(async ? "cudaMemcpyAsync failed" : "cudaMemcpy failed", error);
  return {};
}

Status fill(void* dst, int32_t value, size_t count, bool async, cudaStream_t stream) {
  cudaMemoryType type = cudaMemoryTypeUnregistered;
  if (Status s = memory_type(dst, type); !s.ok()) return s;
  if (type == cudaMemoryTypeDevice || type == cudaMemoryTypeManaged) {
    const cudaError_t error = async ? cudaMemsetAsync(dst, value, count, stream) : cudaMemset(dst, value, count);
    if (error != cudaSuccess) return failure(async ? "cudaMemsetAsync failed" : "cudaMemset failed", error);
    return {};
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
