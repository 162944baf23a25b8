#include "runtime/last_error.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

namespace advstep::runtime {
namespace {

struct Pending {
  std::vector<std::string> lines;  // oldest first
  std::string text;                // what the last take_error_text() returned
};

Pending& pending() {
  thread_local Pending state;
  return state;
}

/// CANN's error code and title for a status: EZ for operator errors, EH/EE for the runtime.
const char* error_tag(StatusCode code) {
  switch (code) {
    case StatusCode::kDataFault:
      return "AICore_Exception(EZ9999)";
    case StatusCode::kInnerError:
    case StatusCode::kOutOfRange:
    case StatusCode::kInnerNullPointer:
    case StatusCode::kRtInternalError:
    case StatusCode::kRtDrvInternalError:
      return "AclNN_Inner_Error(EZ9999)";
    case StatusCode::kRuntimeError:
      return "AclNN_Runtime_Error(EZ9903)";
    case StatusCode::kNullPointer:
    case StatusCode::kInvalidArgument:
      return "AclNN_Parameter_Error(EZ1001)";
    case StatusCode::kAclInvalidParam:
    case StatusCode::kAclRepeatInitialize:
    case StatusCode::kAclRepeatFinalize:
      return "Invalid_Argument(EH0007)";
    case StatusCode::kOk:
    case StatusCode::kRtParamInvalid:
    case StatusCode::kRtInvalidDeviceId:
    case StatusCode::kRtContextNull:
    case StatusCode::kRtEventTimestampInvalid:
    case StatusCode::kRtInvalidHandle:
    case StatusCode::kRtFeatureNotSupport:
    case StatusCode::kRtMemoryAllocation:
    case StatusCode::kRtMemoryFree:
    case StatusCode::kRtNoDevice:
      break;
  }
  return "Runtime_Error(EE1001)";
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d-%02d:%02d:%02d.%03d.%03d", local.tm_year + 1900,
                local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
                static_cast<int>(micros / 1000), static_cast<int>(micros % 1000));
  return text;
}

}  // namespace

void report_error(StatusCode code, const std::string& message) {
  // A program that never reads its errors must not grow without bound: keep the newest few.
  constexpr size_t kKeptMessages = 16;
  auto& lines = pending().lines;
  if (lines.size() == kKeptMessages) lines.erase(lines.begin());
  lines.push_back("[PID: " + std::to_string(getpid()) + "] " + timestamp() + " " + error_tag(code) + ": " +
                            message);
}

const char* take_error_text() {
  Pending& state = pending();
  state.text.clear();
  if (!state.lines.empty()) {
    state.text = state.lines.back() + "\n";
    if (state.lines.size() > 1) {
      state.text += "        TraceBack (most recent call last):\n";
      for (auto line = state.lines.rbegin() + 1; line != state.lines.rend(); ++line) {
        state.text += "        " + *line + "\n";
      }
    }
  }
  state.lines.clear();
  return state.text.c_str();
}

}  // namespace advstep::runtime
