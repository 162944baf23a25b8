// The C boundary: no exception crosses it, every failure leaves a message for aclGetRecentErrMsg.
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <string>

#include "acl/acl_base.h"
#include "acl/error_codes/rt_error_codes.h"
#include "aclnn/opdev/op_errno.h"
#include "advstep/status.hpp"
#include "runtime/last_error.hpp"

namespace advstep::acl {

/// The codes that cross here are the headers' codes: each StatusCode equals the constant it is named after.
template <typename Code>
constexpr bool same_code(StatusCode code, Code header) {
  return static_cast<int32_t>(code) == static_cast<int32_t>(header);
}
static_assert(same_code(StatusCode::kOk, ACL_SUCCESS) && same_code(StatusCode::kOk, ACLNN_SUCCESS));
static_assert(same_code(StatusCode::kNullPointer, ACLNN_ERR_PARAM_NULLPTR));
static_assert(same_code(StatusCode::kInvalidArgument, ACLNN_ERR_PARAM_INVALID));
static_assert(same_code(StatusCode::kRuntimeError, ACLNN_ERR_RUNTIME_ERROR));
static_assert(same_code(StatusCode::kInnerError, ACLNN_ERR_INNER));
static_assert(same_code(StatusCode::kOutOfRange, ACLNN_ERR_INNER_TILING_ERROR));
static_assert(same_code(StatusCode::kInnerNullPointer, ACLNN_ERR_INNER_NULLPTR));
static_assert(same_code(StatusCode::kAclInvalidParam, ACL_ERROR_INVALID_PARAM));
static_assert(same_code(StatusCode::kAclRepeatInitialize, ACL_ERROR_REPEAT_INITIALIZE));
static_assert(same_code(StatusCode::kAclRepeatFinalize, ACL_ERROR_REPEAT_FINALIZE));
static_assert(same_code(StatusCode::kRtParamInvalid, ACL_ERROR_RT_PARAM_INVALID));
static_assert(same_code(StatusCode::kRtInvalidDeviceId, ACL_ERROR_RT_INVALID_DEVICEID));
static_assert(same_code(StatusCode::kRtContextNull, ACL_ERROR_RT_CONTEXT_NULL));
static_assert(same_code(StatusCode::kRtEventTimestampInvalid, ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID));
static_assert(same_code(StatusCode::kRtInvalidHandle, ACL_ERROR_RT_INVALID_HANDLE));
static_assert(same_code(StatusCode::kRtFeatureNotSupport, ACL_ERROR_RT_FEATURE_NOT_SUPPORT));
static_assert(same_code(StatusCode::kRtMemoryAllocation, ACL_ERROR_RT_MEMORY_ALLOCATION));
static_assert(same_code(StatusCode::kRtMemoryFree, ACL_ERROR_RT_MEMORY_FREE));
static_assert(same_code(StatusCode::kRtNoDevice, ACL_ERROR_RT_NO_DEVICE));
static_assert(same_code(StatusCode::kRtInternalError, ACL_ERROR_RT_INTERNAL_ERROR));
static_assert(same_code(StatusCode::kDataFault, ACL_ERROR_RT_AICORE_EXCEPTION));
static_assert(same_code(StatusCode::kRtDrvInternalError, ACL_ERROR_RT_DRV_INTERNAL_ERROR));

/// Inside a catch block: leaves a message for the exception in flight and returns ACLNN_ERR_INNER.
/// Never throws (a message that cannot be built is dropped).
inline int32_t report_exception(const char* api) noexcept {
  constexpr StatusCode kInner = StatusCode::kInnerError;
  try {
    try {
      throw;
    } catch (const std::bad_alloc&) {
      runtime::report_error(kInner, std::string(api) + ": out of host memory");
    } catch (const std::exception& error) {
      runtime::report_error(kInner, std::string(api) + ": internal error: " + error.what());
    } catch (...) {
      runtime::report_error(kInner, std::string(api) + ": internal error");
    }
  } catch (...) {
  }
  return static_cast<int32_t>(kInner);
}

/// Runs @p body (returning Status or an int32 code with no message) and returns its code.
template <typename Body>
int32_t guarded(const char* api, Body&& body) noexcept {
  try {
    const Status status = body();
    if (!status.ok()) runtime::report_error(status.code(), status.message());
    return static_cast<int32_t>(status.code());
  } catch (...) {
    return report_exception(api);
  }
}

/// A runtime (aclError) failure with its message: "api: what (expected E, got G)".
inline Status runtime_error(StatusCode code, const char* api, const std::string& what) {
  return {code, std::string(api) + ": " + what};
}

}  // namespace advstep::acl
