// Failures that many runtime entry points share, written once.
#pragma once

#include <string>

#include "acl/boundary.hpp"
#include "core/message.hpp"

namespace advstep::acl {

/// ACL_ERROR_INVALID_PARAM: @p name must not be null.
inline Status null_argument(const char* api, const char* name) {
  return runtime_error(StatusCode::kAclInvalidParam, api,
                       std::string(name) + " must not be null (expected a pointer, got nullptr)");
}

/// ACL_ERROR_RT_INVALID_HANDLE: @p stream is no live stream.
inline Status unknown_stream(const char* api, const void* stream) {
  return runtime_error(StatusCode::kRtInvalidHandle, api,
                       "stream must come from aclrtCreateStream (expected a live stream, got " +
                           core::address_string(stream) + ")");
}

/// A device's failure under the calling API's name.
inline Status named(const char* api, Status status) {
  if (status.ok()) return status;
  return {status.code(), std::string(api) + ": " + status.message()};
}

}  // namespace advstep::acl
