#include "runtime/context.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/message.hpp"
#include "runtime/device.hpp"

namespace advstep::runtime {
namespace {

constexpr StatusCode kParamInvalid = StatusCode::kRtParamInvalid;
constexpr StatusCode kContextNull = StatusCode::kRtContextNull;

struct Context {
  int32_t device;
  bool is_default;  ///< a device's own context, made by aclrtSetDevice; not for aclrtDestroyContext
};

/// Every live context by handle (its address), created ones and the devices' default ones.
struct Contexts {
  std::mutex mutex;
  std::map<void*, std::shared_ptr<Context>> live;
  std::map<int32_t, std::shared_ptr<Context>> defaults;
};

Contexts& contexts() {
  static Contexts all;
  return all;
}

/// The calling thread's context; expires when the context is destroyed.
std::weak_ptr<Context>& thread_context() {
  thread_local std::weak_ptr<Context> current;
  return current;
}

std::shared_ptr<Context> find(void* handle) {
  Contexts& all = contexts();
  std::lock_guard<std::mutex> lock(all.mutex);
  const auto it = all.live.find(handle);
  return it == all.live.end() ? nullptr : it->second;
}

Status not_a_context(const char* api, void* handle, const char* expected, const char* what_it_is) {
  return {kParamInvalid, std::string(api) + ": context must be " + expected + " (got " + core::address_string(handle) +
                             ", " + what_it_is + ")"};
}

}  // namespace

Status create_context(int32_t device, void*& handle) {
  if (Status s = bind_thread("aclrtCreateContext", device); !s.ok()) return s;
  auto context = std::make_shared<Context>(Context{device, false});
  {
    Contexts& all = contexts();
    std::lock_guard<std::mutex> lock(all.mutex);
    all.live.emplace(context.get(), context);
  }
  thread_context() = context;
  handle = context.get();
  return {};
}

Status set_current_context(void* handle) {
  const std::shared_ptr<Context> context = find(handle);
  if (context == nullptr)
    return not_a_context("aclrtSetCurrentContext", handle, "a live context", "destroyed or never created");
  if (Status s = bind_thread("aclrtSetCurrentContext", context->device); !s.ok()) return s;
  thread_context() = context;
  return {};
}

Status current_context(void*& handle) {
  const std::shared_ptr<Context> context = thread_context().lock();
  if (context == nullptr) {
    return {kContextNull,
            "aclrtGetCurrentContext: the calling thread has no context (expected one from "
            "aclrtSetDevice, aclrtCreateContext or aclrtSetCurrentContext, got none or a destroyed one)"};
  }
  handle = context.get();
  return {};
}

Status destroy_context(void* handle) {
  Contexts& all = contexts();
  std::lock_guard<std::mutex> lock(all.mutex);
  const auto it = all.live.find(handle);
  if (it == all.live.end() || it->second->is_default) {
    const bool is_default = it != all.live.end();
    return not_a_context(
        "aclrtDestroyContext", handle, "a live context from aclrtCreateContext",
        is_default ? "a device's default context, which aclrtResetDevice releases" : "destroyed or never created");
  }
  all.live.erase(it);  // threads holding it see it expire
  return {};
}

void enter_default_context(int32_t device) {
  Contexts& all = contexts();
  std::lock_guard<std::mutex> lock(all.mutex);
  std::shared_ptr<Context>& slot = all.defaults[device];
  if (slot == nullptr) {
    slot = std::make_shared<Context>(Context{device, true});
    all.live.emplace(slot.get(), slot);
  }
  thread_context() = slot;
}

}  // namespace advstep::runtime
