// aclInit, devices, streams and memory on the runtime's device (the host, or CUDA GPUs).
#include <cstring>
#include <mutex>

#include "acl/acl.h"
#include "aclnn/aclnn_base.h"
#include "acl/boundary.hpp"
#include "acl/process_options.hpp"
#include "core/message.hpp"
#include "runtime/context.hpp"
#include "runtime/device.hpp"
#include "runtime/device_backend.hpp"
#include "runtime/last_error.hpp"
#include "runtime/memory.hpp"
#include "runtime/stream.hpp"

using advstep::Status;
using advstep::StatusCode;
using advstep::acl::guarded;
using advstep::acl::runtime_error;
namespace runtime = advstep::runtime;

namespace {

std::mutex g_init_mutex;
bool g_initialised = false;
bool g_ever_finalised = false;

Status null_argument(const char* api, const char* name) {
  return runtime_error(StatusCode::kAclInvalidParam, api, std::string(name) + " must not be null (expected a pointer, got nullptr)");
}

bool known_copy_kind(aclrtMemcpyKind kind) {
  return kind >= ACL_MEMCPY_HOST_TO_HOST && kind <= ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE;
}

/// The device side(s) a copy kind names must be device memory with room for the bytes.
Status check_copy_range(const char* api, const char* side, const void* address, size_t count) {
  if (runtime::find_block(address, count, runtime::MemoryKind::kDevice) != nullptr) return {};
  const std::string what = std::string(side) + " must be " + std::to_string(count) +
                           " bytes of device memory from aclrtMalloc (expected a live block with room, got ";
  // Inside a live block, say how much of it is left: the usual mistake is a count past its end.
  if (const runtime::Block* block = runtime::find_block_containing(address, runtime::MemoryKind::kDevice)) {
    const auto used = static_cast<size_t>(reinterpret_cast<uintptr_t>(address) - block->begin);
    return runtime_error(StatusCode::kRtParamInvalid, api,
                         what + std::to_string(block->size - used) + " bytes left in a block of " +
                             std::to_string(block->size) + " at " + advstep::core::address_string(address) + ")");
  }
  return runtime_error(StatusCode::kRtParamInvalid, api, what + advstep::core::address_string(address) + ")");
}

/// Every argument rule of a copy; the async form applies them at the call, as CANN's runtime does.
Status check_copy(const char* api, void* dst, size_t dest_max, const void* src, size_t count, aclrtMemcpyKind kind) {
  if (count == 0) return {};
  if (dst == nullptr) return null_argument(api, "dst");
  if (src == nullptr) return null_argument(api, "src");
  if (!known_copy_kind(kind)) {
    return runtime_error(StatusCode::kAclInvalidParam, api,
                         "kind must name a copy direction (expected 0..5, got " + std::to_string(kind) + ")");
  }
  if (count > dest_max) {
    return runtime_error(StatusCode::kRtParamInvalid, api,
                         "count must not exceed destMax (expected <= " + std::to_string(dest_max) + ", got " +
                             std::to_string(count) + ")");
  }
  const bool dst_device = kind == ACL_MEMCPY_HOST_TO_DEVICE || kind == ACL_MEMCPY_DEVICE_TO_DEVICE ||
                          kind == ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE;
  const bool src_device = kind == ACL_MEMCPY_DEVICE_TO_HOST || kind == ACL_MEMCPY_DEVICE_TO_DEVICE;
  if (dst_device) {
    if (Status s = check_copy_range(api, "dst", dst, count); !s.ok()) return s;
  }
  if (src_device) {
    if (Status s = check_copy_range(api, "src", src, count); !s.ok()) return s;
  }
  return {};
}

runtime::CopyDirection direction_of(aclrtMemcpyKind kind) {
  switch (kind) {
    case ACL_MEMCPY_HOST_TO_HOST:
      return runtime::CopyDirection::kHostToHost;
    case ACL_MEMCPY_HOST_TO_DEVICE:
    case ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE:
      return runtime::CopyDirection::kHostToDevice;
    case ACL_MEMCPY_DEVICE_TO_HOST:
      return runtime::CopyDirection::kDeviceToHost;
    case ACL_MEMCPY_DEVICE_TO_DEVICE:
      return runtime::CopyDirection::kDeviceToDevice;
    default:
      return runtime::CopyDirection::kInfer;
  }
}

/// A device's failure under the calling API's name.
Status named(const char* api, Status status) {
  if (status.ok()) return status;
  return {status.code(), std::string(api) + ": " + status.message()};
}

/// Checks again when it runs: queued work may find a block freed since the call. @p queue: the
/// stream's device queue, or null for a copy now (aclrtMemcpy).
Status copy_bytes(const char* api, void* dst, size_t dest_max, const void* src, size_t count, aclrtMemcpyKind kind,
                  runtime::DeviceQueue* queue) {
  if (Status s = check_copy(api, dst, dest_max, src, count, kind); !s.ok() || count == 0) return s;
  const runtime::CopyDirection direction = direction_of(kind);
  return named(api, queue != nullptr ? queue->copy(dst, src, count, direction)
                                     : runtime::backend().copy(dst, src, count, direction));
}

Status check_fill(const char* api, void* dst, size_t max_count, size_t count) {
  if (count == 0) return {};
  if (dst == nullptr) return null_argument(api, "devPtr");
  if (count > max_count) {
    return runtime_error(StatusCode::kRtParamInvalid, api,
                         "count must not exceed maxCount (expected <= " + std::to_string(max_count) + ", got " +
                             std::to_string(count) + ")");
  }
  if (runtime::find_block_containing(dst, runtime::MemoryKind::kDevice) != nullptr) {
    if (Status s = check_copy_range(api, "devPtr", dst, count); !s.ok()) return s;
  }
  return {};
}

Status fill_bytes(const char* api, void* dst, size_t max_count, int32_t value, size_t count,
                  runtime::DeviceQueue* queue) {
  if (Status s = check_fill(api, dst, max_count, count); !s.ok() || count == 0) return s;
  return named(api, queue != nullptr ? queue->fill(dst, value, count) : runtime::backend().fill(dst, value, count));
}

Status unknown_stream(const char* api, aclrtStream stream) {
  return runtime_error(StatusCode::kRtInvalidHandle, api,
                       "stream must come from aclrtCreateStream (expected a live stream, got " +
                           advstep::core::address_string(stream) + ")");
}

}  // namespace

extern "C" {

aclError aclInit(const char* /*configPath*/) {
  return guarded("aclInit", []() -> Status {
    std::lock_guard<std::mutex> lock(g_init_mutex);
    // A semantics variable that names nothing is this call's error, before anything runs.
    advstep::Options options;
    if (Status s = advstep::acl::process_options("aclInit", advstep::StatusCode::kAclInvalidParam,
                                                 options);
        !s.ok()) {
      return s;
    }
    if (g_initialised) {
      return runtime_error(StatusCode::kAclRepeatInitialize, "aclInit", "already initialised (expected one aclInit per aclFinalize, got a second)");
    }
    g_initialised = true;
    return {};
  });
}

aclError aclFinalize(void) {
  return guarded("aclFinalize", []() -> Status {
    std::lock_guard<std::mutex> lock(g_init_mutex);
    if (!g_initialised && g_ever_finalised) {
      return runtime_error(StatusCode::kAclRepeatFinalize, "aclFinalize", "already finalised (expected aclInit first, got a second aclFinalize)");
    }
    (void)runtime::synchronize_all();
    runtime::destroy_all_streams();
    g_initialised = false;
    g_ever_finalised = true;
    return {};
  });
}

aclnnStatus aclnnInit(const char* /*configPath*/) { return ACL_SUCCESS; }

aclnnStatus aclnnFinalize(void) { return ACL_SUCCESS; }

const char* aclGetRecentErrMsg(void) { return runtime::take_error_text(); }

aclError aclrtSetDevice(int32_t deviceId) {
  return guarded("aclrtSetDevice", [&]() -> Status {
    if (Status s = runtime::set_device(deviceId); !s.ok()) return s;
    runtime::enter_default_context(deviceId);
    return {};
  });
}

aclError aclrtResetDevice(int32_t deviceId) {
  return guarded("aclrtResetDevice", [&]() { return runtime::reset_device(deviceId, false); });
}

aclError aclrtResetDeviceForce(int32_t deviceId) {
  return guarded("aclrtResetDeviceForce", [&]() { return runtime::reset_device(deviceId, true); });
}

aclError aclrtGetDevice(int32_t* deviceId) {
  return guarded("aclrtGetDevice", [&]() -> Status {
    if (deviceId == nullptr) return null_argument("aclrtGetDevice", "deviceId");
    *deviceId = runtime::current_device();
    return {};
  });
}

aclError aclrtGetDeviceCount(uint32_t* count) {
  return guarded("aclrtGetDeviceCount", [&]() -> Status {
    if (count == nullptr) return null_argument("aclrtGetDeviceCount", "count");
    if (Status s = runtime::device_ready("aclrtGetDeviceCount"); !s.ok()) return s;
    *count = runtime::device_count();
    return {};
  });
}

aclError aclrtGetRunMode(aclrtRunMode* runMode) {
  return guarded("aclrtGetRunMode", [&]() -> Status {
    if (runMode == nullptr) return null_argument("aclrtGetRunMode", "runMode");
    *runMode = ACL_HOST;
    return {};
  });
}

aclError aclrtSynchronizeDevice(void) {
  return guarded("aclrtSynchronizeDevice", []() { return runtime::synchronize_all(); });
}

aclError aclrtCreateStream(aclrtStream* stream) {
  return guarded("aclrtCreateStream", [&]() -> Status {
    if (stream == nullptr) return null_argument("aclrtCreateStream", "stream");
    if (Status s = runtime::device_ready("aclrtCreateStream"); !s.ok()) return s;
    return named("aclrtCreateStream", runtime::create_stream(*stream));
  });
}

aclError aclrtCreateStreamWithConfig(aclrtStream* stream, uint32_t /*priority*/, uint32_t /*flag*/) {
  return aclrtCreateStream(stream);
}

aclError aclrtDestroyStream(aclrtStream stream) {
  return guarded("aclrtDestroyStream", [&]() -> Status {
    if (stream == nullptr) return null_argument("aclrtDestroyStream", "stream");
    const auto found = runtime::find_stream(stream);
    if (!found) return unknown_stream("aclrtDestroyStream", stream);
    (void)found->synchronize();  // outstanding work finishes; a fault nobody synchronised is dropped
    runtime::destroy_stream(stream);
    return {};
  });
}

aclError aclrtDestroyStreamForce(aclrtStream stream) {
  return guarded("aclrtDestroyStreamForce", [&]() -> Status {
    if (stream == nullptr) return null_argument("aclrtDestroyStreamForce", "stream");
    const auto found = runtime::find_stream(stream);
    if (!found) return unknown_stream("aclrtDestroyStreamForce", stream);
    found->discard();
    runtime::destroy_stream(stream);
    return {};
  });
}

aclError aclrtSynchronizeStream(aclrtStream stream) {
  return guarded("aclrtSynchronizeStream", [&]() -> Status {
    const auto found = runtime::find_stream(stream);
    if (!found) return unknown_stream("aclrtSynchronizeStream", stream);
    return found->synchronize();
  });
}

aclError aclrtSynchronizeStreamWithTimeout(aclrtStream stream, int32_t timeout) {
  return guarded("aclrtSynchronizeStreamWithTimeout", [&]() -> Status {
    if (timeout < -1) {
      return runtime_error(StatusCode::kAclInvalidParam, "aclrtSynchronizeStreamWithTimeout",
                           "timeout must be -1 or a number of milliseconds (expected >= -1, got " + std::to_string(timeout) + ")");
    }
    const auto found = runtime::find_stream(stream);
    if (!found) return unknown_stream("aclrtSynchronizeStreamWithTimeout", stream);
    return found->synchronize();  // host work runs to completion in the calling thread
  });
}

aclError aclrtMalloc(void** devPtr, size_t size, aclrtMemMallocPolicy /*policy*/) {
  return guarded("aclrtMalloc", [&]() -> Status {
    if (devPtr == nullptr) return null_argument("aclrtMalloc", "devPtr");
    if (size == 0) return runtime_error(StatusCode::kAclInvalidParam, "aclrtMalloc", "size must be greater than 0 (expected > 0, got 0)");
    if (Status s = runtime::device_ready("aclrtMalloc"); !s.ok()) return s;
    *devPtr = runtime::allocate(size, runtime::MemoryKind::kDevice);
    if (*devPtr == nullptr) {
      return runtime_error(StatusCode::kRtMemoryAllocation, "aclrtMalloc", "out of device memory (expected " + std::to_string(size) + " bytes, got none)");
    }
    return {};
  });
}

aclError aclrtFree(void* devPtr) {
  return guarded("aclrtFree", [&]() -> Status {
    if (devPtr == nullptr) return null_argument("aclrtFree", "devPtr");
    if (!runtime::release(devPtr, runtime::MemoryKind::kDevice)) {
      return runtime_error(StatusCode::kRtMemoryFree, "aclrtFree",
                           "devPtr must start a live aclrtMalloc block (expected a block address, got " +
                               advstep::core::address_string(devPtr) + ")");
    }
    return {};
  });
}

aclError aclrtMallocHost(void** hostPtr, size_t size) {
  return guarded("aclrtMallocHost", [&]() -> Status {
    if (hostPtr == nullptr) return null_argument("aclrtMallocHost", "hostPtr");
    if (size == 0) return runtime_error(StatusCode::kAclInvalidParam, "aclrtMallocHost", "size must be greater than 0 (expected > 0, got 0)");
    if (Status s = runtime::device_ready("aclrtMallocHost"); !s.ok()) return s;
    *hostPtr = runtime::allocate(size, runtime::MemoryKind::kHost);
    if (*hostPtr == nullptr) {
      return runtime_error(StatusCode::kRtMemoryAllocation, "aclrtMallocHost", "out of host memory (expected " + std::to_string(size) + " bytes, got none)");
    }
    return {};
  });
}

aclError aclrtFreeHost(void* hostPtr) {
  return guarded("aclrtFreeHost", [&]() -> Status {
    if (hostPtr == nullptr) return null_argument("aclrtFreeHost", "hostPtr");
    if (!runtime::release(hostPtr, runtime::MemoryKind::kHost)) {
      return runtime_error(StatusCode::kRtMemoryFree, "aclrtFreeHost",
                           "hostPtr must start a live aclrtMallocHost block (expected a block address, got " +
                               advstep::core::address_string(hostPtr) + ")");
    }
    return {};
  });
}

aclError aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind) {
  return guarded("aclrtMemcpy", [&]() -> Status {
    if (Status s = runtime::device_ready("aclrtMemcpy"); !s.ok()) return s;
    return copy_bytes("aclrtMemcpy", dst, destMax, src, count, kind, nullptr);
  });
}

aclError aclrtMemcpyAsync(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind,
                          aclrtStream stream) {
  return guarded("aclrtMemcpyAsync", [&]() -> Status {
    const auto found = runtime::find_stream(stream);
    if (!found) return unknown_stream("aclrtMemcpyAsync", stream);
    if (Status s = check_copy("aclrtMemcpyAsync", dst, destMax, src, count, kind); !s.ok()) return s;
    found->submit([=, device = &found->device()]() {
      return copy_bytes("aclrtMemcpyAsync", dst, destMax, src, count, kind, device);
    });
    return {};
  });
}

aclError aclrtMemset(void* devPtr, size_t maxCount, int32_t value, size_t count) {
  return guarded("aclrtMemset", [&]() -> Status {
    if (Status s = runtime::device_ready("aclrtMemset"); !s.ok()) return s;
    return fill_bytes("aclrtMemset", devPtr, maxCount, value, count, nullptr);
  });
}

aclError aclrtMemsetAsync(void* devPtr, size_t maxCount, int32_t value, size_t count, aclrtStream stream) {
  return guarded("aclrtMemsetAsync", [&]() -> Status {
    const auto found = runtime::find_stream(stream);
    if (!found) return unknown_stream("aclrtMemsetAsync", stream);
    if (Status s = check_fill("aclrtMemsetAsync", devPtr, maxCount, count); !s.ok()) return s;
    found->submit([=, device = &found->device()]() {
      return fill_bytes("aclrtMemsetAsync", devPtr, maxCount, value, count, device);
    });
    return {};
  });
}

aclError aclrtLaunchHostFunc(aclrtStream stream, aclrtHostFunc fn, void* args) {
  return guarded("aclrtLaunchHostFunc", [&]() -> Status {
    if (fn == nullptr) return null_argument("aclrtLaunchHostFunc", "fn");
    const auto found = runtime::find_stream(stream);
    if (!found) return unknown_stream("aclrtLaunchHostFunc", stream);
    found->submit([=, device = &found->device()]() {
      return named("aclrtLaunchHostFunc", device->call_host(fn, args));
    });
    return {};
  });
}

}  // extern "C"
