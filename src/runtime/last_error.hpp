// The calling thread's pending error messages, read back (and cleared) by aclGetRecentErrMsg.
#pragma once

#include <cstdint>
#include <string>

#include "advstep/status.hpp"

namespace advstep::runtime {

/// Adds a message for @p code; the newest is shown first, older ones under "TraceBack".
void report_error(StatusCode code, const std::string& message);

/// The pending text, formatted as CANN formats it, then cleared; "" when nothing is pending.
const char* take_error_text();

}  // namespace advstep::runtime
