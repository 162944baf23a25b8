// aclInit, devices, streams and memory on the runtime's device (the host, or CUDA GPUs).
#include <cstring>
#include <mutex>

#include "acl/acl.h"
#include "aclnn/aclnn_base.h"
#include "acl/boundary.hpp"
#include "acl/c_enum.hpp"
#include "acl/process_options.hpp"
#include "acl/runtime_messages.hpp"
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
using advstep::acl::named;
using advstep::acl::null_argument;
using advstep::acl::unknown_stream;
using advstep::acl::runtime_error;
namespace runtime = advstep::runtime;

namespace {

std::mutex g_init_mutex;
bool g_initialised = false;
bool g_ever_finalised = false;

/// aclrtMalloc's policy, as an integer: a listed policy, plus only the listed flags.
Status check_malloc_policy(const char* api, int64_t policy) {
  const int64_t base = policy & ~advstep::acl::kMallocPolicyFlags;
  if (advstep::acl::enum_from(base, advstep::acl::kMallocPolicies)) return {};
  return runtime_error(StatusCode::kAclInvalidParam, api,
                       "policy must name an aclrtMemMallocPolicy (expected 0..7, optionally with its memory-type and "
                       "access flags, got " + std::to_string(policy) + ")");
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

const char* aclGetRecentErrMsg(void) {
  try {
    return runtime::take_error_text();
  } catch (...) {  // out of memory formatting the text: nothing to say, rather than no return
    return "";
  }
}

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

aclError aclrtMalloc(void** devPtr, size_t size, aclrtMemMallocPolicy policy) {
  const int64_t raw_policy = advstep::acl::raw_value(policy);
  return guarded("aclrtMalloc", [&]() -> Status {
    if (devPtr == nullptr) return null_argument("aclrtMalloc", "devPtr");
    if (size == 0) return runtime_error(StatusCode::kAclInvalidParam, "aclrtMalloc", "size must be greater than 0 (expected > 0, got 0)");
    if (Status s = check_malloc_policy("aclrtMalloc", raw_policy); !s.ok()) return s;
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
