// Status codes and the exception of the native API.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "advstep/export.hpp"

namespace advstep {

/// Outcomes, numbered as CANN numbers them, so a status crosses the C boundary unchanged.
enum class StatusCode : int32_t {
  kOk = 0,
  kNullPointer = 161001,      ///< ACLNN_ERR_PARAM_NULLPTR: a required pointer is null.
  kInvalidArgument = 161002,  ///< ACLNN_ERR_PARAM_INVALID: dtype, layout, memory or call-order error.
  kRuntimeError = 361001,     ///< ACLNN_ERR_RUNTIME_ERROR: the device or stream failed.
  kOutOfRange = 561002,       ///< ACLNN_ERR_INNER_TILING_ERROR: an attribute or shape out of range.
  kInnerNullPointer = 561103, ///< ACLNN_ERR_INNER_NULLPTR: a null executor given to an executor API.
  kDataFault = 507015,        ///< ACL_ERROR_RT_AICORE_EXCEPTION: the tensors' values cannot be advanced.
};

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
