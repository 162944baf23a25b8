// Contexts (aclrtCreateContext, aclrtDestroyContext, aclrtSetCurrentContext, aclrtGetCurrentContext)
// and the memory a context's device has (aclrtGetMemInfo).
#include <string>

#include "acl/acl.h"
#include "acl/boundary.hpp"
#include "acl/c_enum.hpp"
#include "acl/runtime_messages.hpp"
#include "runtime/context.hpp"
#include "runtime/cpu_backend.hpp"
#include "runtime/device.hpp"
#include "runtime/device_backend.hpp"

using advstep::Status;
using advstep::StatusCode;
using advstep::acl::guarded;
using advstep::acl::null_argument;
using advstep::acl::runtime_error;
namespace runtime = advstep::runtime;

namespace {

/// The host's memory kinds; every other aclrtMemAttr is the device's memory.
bool is_host_memory(aclrtMemAttr attr) {
  switch (attr) {
    case ACL_DDR_MEM:
    case ACL_DDR_MEM_HUGE:
    case ACL_DDR_MEM_NORMAL:
    case ACL_DDR_MEM_P2P_HUGE:
    case ACL_DDR_MEM_P2P_NORMAL:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" {

aclError aclrtCreateContext(aclrtContext* context, int32_t deviceId) {
  return guarded("aclrtCreateContext", [&]() -> Status {
    if (context == nullptr) return null_argument("aclrtCreateContext", "context");
    return runtime::create_context(deviceId, *context);
  });
}

aclError aclrtDestroyContext(aclrtContext context) {
  return guarded("aclrtDestroyContext", [&]() -> Status {
    if (context == nullptr) return null_argument("aclrtDestroyContext", "context");
    return runtime::destroy_context(context);
  });
}

aclError aclrtSetCurrentContext(aclrtContext context) {
  return guarded("aclrtSetCurrentContext", [&]() -> Status {
    if (context == nullptr) return null_argument("aclrtSetCurrentContext", "context");
    return runtime::set_current_context(context);
  });
}

aclError aclrtGetCurrentContext(aclrtContext* context) {
  return guarded("aclrtGetCurrentContext", [&]() -> Status {
    if (context == nullptr) return null_argument("aclrtGetCurrentContext", "context");
    return runtime::current_context(*context);
  });
}

aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t* free, size_t* total) {
  const int64_t raw_attr = advstep::acl::raw_value(attr);
  return guarded("aclrtGetMemInfo", [&]() -> Status {
    const char* api = "aclrtGetMemInfo";
    if (free == nullptr) return null_argument(api, "free");
    if (total == nullptr) return null_argument(api, "total");
    const std::optional<aclrtMemAttr> kind = advstep::acl::enum_from(raw_attr, advstep::acl::kMemAttrs);
    if (!kind) {
      return runtime_error(StatusCode::kAclInvalidParam, api,
                           "attr must name a kind of memory (expected 0..17, got " + std::to_string(raw_attr) + ")");
    }
    if (Status s = runtime::device_ready(api); !s.ok()) return s;
    Status status = is_host_memory(*kind) ? runtime::host_memory(*free, *total)
                                         : runtime::backend().memory_info(runtime::current_device(), *free, *total);
    if (status.ok()) return status;
    return {status.code(), std::string(api) + ": " + status.message()};
  });
}

}  // extern "C"
