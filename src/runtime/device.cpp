#include "runtime/device.hpp"

#include <atomic>
#include <string>

#include "runtime/device_backend.hpp"

namespace advstep::runtime {
namespace {

std::atomic<int64_t> g_references{0};

int32_t& thread_device() {
  thread_local int32_t device = 0;
  return device;
}

Status check_device(const char* api, int32_t device) {
  if (device >= 0 && static_cast<uint32_t>(device) < device_count()) return {};
  return {StatusCode::kRtInvalidDeviceId, std::string(api) + ": deviceId must name a device (expected 0.." +
                                               std::to_string(device_count() - 1) + ", got " +
                                               std::to_string(device) + ")"};
}

/// Makes @p device the calling thread's device (and the backend's, e.g. cudaSetDevice).
Status bind(const char* api, int32_t device) {
  if (Status s = device_ready(api); !s.ok()) return s;
  if (Status s = check_device(api, device); !s.ok()) return s;
  if (Status s = backend().set_device(device); !s.ok()) return {s.code(), std::string(api) + ": " + s.message()};
  thread_device() = device;
  return {};
}

}  // namespace

uint32_t device_count() { return backend().device_count(); }

const char* soc_name() {
  const int32_t device = thread_device();
  return static_cast<uint32_t>(device) < device_count() ? backend().soc_name(device) : "";
}

int32_t current_device() { return thread_device(); }

Status set_device(int32_t device) {
  if (Status s = bind("aclrtSetDevice", device); !s.ok()) return s;
  g_references.fetch_add(1, std::memory_order_relaxed);
  return {};
}

Status bind_thread(const char* api, int32_t device) { return bind(api, device); }

Status reset_device(int32_t device, bool force) {
  if (Status s = check_device(force ? "aclrtResetDeviceForce" : "aclrtResetDevice", device); !s.ok()) return s;
  if (force) {
    g_references.store(0, std::memory_order_relaxed);
  } else if (g_references.load(std::memory_order_relaxed) > 0) {
    g_references.fetch_sub(1, std::memory_order_relaxed);
  }
  return {};
}

}  // namespace advstep::runtime
