// Status codes and the exception of the native API.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "advstep/export.hpp"

namespace advstep {

/// Outcomes, numbered as CANN numbers them, so a status crosses the C boundary unchanged. The closed
/// set of codes the library returns: each is named after the CANN constant it equals (checked at
/// build time against include/acl and include/aclnn), and no other integer becomes a StatusCode
/// (see status_code_from).
enum class StatusCode : int32_t {
  kOk = 0,
  // aclnn (operator) codes, include/aclnn/opdev/op_errno.h
  kNullPointer = 161001,      ///< ACLNN_ERR_PARAM_NULLPTR: a required pointer is null.
  kInvalidArgument = 161002,  ///< ACLNN_ERR_PARAM_INVALID: dtype, layout, memory or call-order error.
  kRuntimeError = 361001,     ///< ACLNN_ERR_RUNTIME_ERROR: the device or stream failed.
  kInnerError = 561000,       ///< ACLNN_ERR_INNER: out of host memory, or an internal error.
  kOutOfRange = 561002,       ///< ACLNN_ERR_INNER_TILING_ERROR: an attribute or shape out of range.
  kInnerNullPointer = 561103, ///< ACLNN_ERR_INNER_NULLPTR: a null executor given to an executor API.
  // ACL codes, include/acl/acl_base.h
  kAclInvalidParam = 100000,      ///< ACL_ERROR_INVALID_PARAM: an argument of an acl call is invalid.
  kAclRepeatInitialize = 100002,  ///< ACL_ERROR_REPEAT_INITIALIZE: aclInit twice.
  kAclRepeatFinalize = 100037,    ///< ACL_ERROR_REPEAT_FINALIZE: aclFinalize twice.
  // Runtime codes, include/acl/error_codes/rt_error_codes.h
  kRtParamInvalid = 107000,          ///< ACL_ERROR_RT_PARAM_INVALID: e.g. an address that is no live block.
  kRtInvalidDeviceId = 107001,       ///< ACL_ERROR_RT_INVALID_DEVICEID: no such device.
  kRtContextNull = 107002,           ///< ACL_ERROR_RT_CONTEXT_NULL: the thread has no context.
  kRtEventTimestampInvalid = 107006, ///< ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID: an event without a time.
  kRtInvalidHandle = 107017,         ///< ACL_ERROR_RT_INVALID_HANDLE: not a live stream or event.
  kRtFeatureNotSupport = 207000,     ///< ACL_ERROR_RT_FEATURE_NOT_SUPPORT: a call the runtime cannot do here.
  kRtMemoryAllocation = 207001,      ///< ACL_ERROR_RT_MEMORY_ALLOCATION: memory exhausted.
  kRtMemoryFree = 207002,            ///< ACL_ERROR_RT_MEMORY_FREE: freeing what is no live block.
  kRtNoDevice = 207004,              ///< ACL_ERROR_RT_NO_DEVICE: the requested device cannot run.
  kRtInternalError = 507000,         ///< ACL_ERROR_RT_INTERNAL_ERROR: the device failed unexpectedly.
  kDataFault = 507015,               ///< ACL_ERROR_RT_AICORE_EXCEPTION: the tensors' values cannot be advanced.
  kRtDrvInternalError = 507899,      ///< ACL_ERROR_RT_DRV_INTERNAL_ERROR: the device's context is lost.
};

/// Every StatusCode, once: the closed set that status_code_from() accepts.
inline constexpr StatusCode kAllStatusCodes[] = {
    StatusCode::kOk,           StatusCode::kNullPointer,        StatusCode::kInvalidArgument,
    StatusCode::kRuntimeError, StatusCode::kInnerError,         StatusCode::kOutOfRange,
    StatusCode::kInnerNullPointer,   StatusCode::kAclInvalidParam,    StatusCode::kAclRepeatInitialize,
    StatusCode::kAclRepeatFinalize,  StatusCode::kRtParamInvalid,     StatusCode::kRtInvalidDeviceId,
    StatusCode::kRtContextNull,      StatusCode::kRtEventTimestampInvalid, StatusCode::kRtInvalidHandle,
    StatusCode::kRtFeatureNotSupport, StatusCode::kRtMemoryAllocation, StatusCode::kRtMemoryFree,
    StatusCode::kRtNoDevice,         StatusCode::kRtInternalError,    StatusCode::kDataFault,
    StatusCode::kRtDrvInternalError,
};

/// The StatusCode numbered @p code, or nullopt when the library has no such code: the only way an
/// integer from outside (a C caller, a plugin) becomes a StatusCode.
[[nodiscard]] constexpr std::optional<StatusCode> status_code_from(int32_t code) {
  for (const StatusCode known : kAllStatusCodes) {
    if (static_cast<int32_t>(known) == code) return known;
  }
  return std::nullopt;
}

/// A status code with the message that explains it; empty message when ok.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  [[nodiscard]] bool ok() const { return code_ == StatusCode::kOk; }
  [[nodiscard]] StatusCode code() const { return code_; }
  [[nodiscard]] const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

/// Thrown by the native API; what() is the message, code() the CANN status. Exported, so that its
/// type information is one across libadvstep and the programs that catch it.
class ADVSTEP_API Error : public std::runtime_error {
 public:
  explicit Error(const Status& status) : std::runtime_error(status.message()), code_(status.code()) {}
  [[nodiscard]] StatusCode code() const { return code_; }
  /// True for data faults (values the operator cannot advance), false for bad arguments.
  [[nodiscard]] bool is_data_fault() const { return code_ == StatusCode::kDataFault; }

 private:
  StatusCode code_;
};

}  // namespace advstep
