// The C boundary: no exception crosses it, every failure leaves a message for aclGetRecentErrMsg.
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <string>

#include "advstep/status.hpp"
#include "runtime/last_error.hpp"

namespace advstep::acl {

/// Runs @p body (returning Status or an int32 code with no message) and returns its code.
template <typename Body>
int32_t guarded(const char* api, Body&& body) noexcept {
  try {
    const Status status = body();
    if (!status.ok()) runtime::report_error(static_cast<int32_t>(status.code()), status.message());
    return static_cast<int32_t>(status.code());
  } catch (const std::bad_alloc&) {
    runtime::report_error(561000, std::string(api) + ": out of host memory");
    return 561000;
  } catch (const std::exception& error) {
    runtime::report_error(561000, std::string(api) + ": internal error: " + error.what());
    return 561000;
  } catch (...) {
    runtime::report_error(561000, std::string(api) + ": internal error");
    return 561000;
  }
}

/// A runtime (aclError) failure with its message: "api: what (expected E, got G)".
inline Status runtime_error(int32_t code, const char* api, const std::string& what) {
  return {static_cast<StatusCode>(code), std::string(api) + ": " + what};
}

}  // namespace advstep::acl
