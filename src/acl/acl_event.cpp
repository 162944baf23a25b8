// Events: aclrtCreateEvent(WithFlag), aclrtRecordEvent, aclrtResetEvent, aclrtQueryEventStatus,
// aclrtQueryEventWaitStatus, aclrtSynchronizeEvent, aclrtEventElapsedTime, aclrtStreamWaitEvent and
// aclrtDestroyEvent, with CANN's argument rules and status codes.
#include <memory>
#include <string>

#include "acl/acl.h"
#include "acl/boundary.hpp"
#include "core/message.hpp"
#include "runtime/device_backend.hpp"
#include "runtime/event.hpp"
#include "runtime/stream.hpp"

using advstep::Status;
using advstep::StatusCode;
using advstep::acl::guarded;
using advstep::acl::runtime_error;
namespace runtime = advstep::runtime;

namespace {

/// A second synchronising bit CANN's runtime takes without a public name (RT_EVENT_DDSYNC).
constexpr uint32_t kRuntimeSync = 0x4U;
/// The flags CANN's runtime takes (anything else is ACL_ERROR_RT_PARAM_INVALID); of those, the ones it runs here.
constexpr uint32_t kKnownFlags = ACL_EVENT_SYNC | ACL_EVENT_CAPTURE_STREAM_PROGRESS | kRuntimeSync |
                                 ACL_EVENT_TIME_LINE | ACL_EVENT_DEVICE_USE_ONLY | ACL_EVENT_EXTERNAL;
constexpr uint32_t kAloneFlags = ACL_EVENT_DEVICE_USE_ONLY | ACL_EVENT_EXTERNAL;

Status null_argument(const char* api, const char* name) {
  return runtime_error(StatusCode::kAclInvalidParam, api,
                       std::string(name) + " must not be null (expected a pointer, got nullptr)");
}

std::string hex(uint32_t value) {
  static const char kDigits[] = "0123456789abcdef";
  std::string text;
  do {
    text.insert(text.begin(), kDigits[value % 16]);
    value /= 16;
  } while (value != 0);
  return "0x" + text;
}

/// The live event behind @p handle, or a status saying why there is none.
Status find_event(const char* api, const char* name, aclrtEvent handle, std::shared_ptr<runtime::Event>& event) {
  if (handle == nullptr) return null_argument(api, name);
  event = runtime::find_event(handle);
  if (event != nullptr) return {};
  return runtime_error(StatusCode::kRtInvalidHandle, api,
                       std::string(name) + " must be a live event from aclrtCreateEvent (expected a live event, got " +
                           advstep::core::address_string(handle) + ": destroyed or never created)");
}

Status find_stream(const char* api, aclrtStream handle, std::shared_ptr<runtime::Stream>& stream) {
  stream = runtime::find_stream(handle);
  if (stream != nullptr) return {};
  return runtime_error(StatusCode::kRtInvalidHandle, api,
                       "stream must come from aclrtCreateStream (expected a live stream, got " +
                           advstep::core::address_string(handle) + ")");
}

/// Waits and resets need an event made able to synchronise streams.
Status check_waitable(const char* api, const runtime::Event& event) {
  if (event.waitable()) return {};
  return runtime_error(StatusCode::kRtFeatureNotSupport, api,
                       "event must be made with ACL_EVENT_SYNC (expected aclrtCreateEvent or "
                       "aclrtCreateEventWithFlag with ACL_EVENT_SYNC, got an event without it)");
}

Status check_flag(uint32_t flag) {
  const char* api = "aclrtCreateEventWithFlag";
  if (flag == 0 || (flag & ~kKnownFlags) != 0) {
    return runtime_error(StatusCode::kRtParamInvalid, api,
                         "flag must be an | of ACL_EVENT_SYNC, ACL_EVENT_CAPTURE_STREAM_PROGRESS and "
                         "ACL_EVENT_TIME_LINE (expected a non-zero value within 0x3f, got " +
                             hex(flag) + ")");
  }
  if ((flag & kAloneFlags) != 0 && (flag & ~kAloneFlags) != 0) {
    return runtime_error(StatusCode::kRtParamInvalid, api,
                         "ACL_EVENT_DEVICE_USE_ONLY and ACL_EVENT_EXTERNAL go alone (expected no other flag "
                         "with them, got " +
                             hex(flag) + ")");
  }
  if ((flag & kAloneFlags) != 0) {
    return runtime_error(StatusCode::kRtFeatureNotSupport, api,
                         "device-only and graph-external events are not supported by this runtime (expected "
                         "ACL_EVENT_SYNC, ACL_EVENT_TIME_LINE or ACL_EVENT_CAPTURE_STREAM_PROGRESS, got " +
                             hex(flag) + ")");
  }
  return {};
}

Status create(const char* api, aclrtEvent* event, bool timing, bool waitable) {
  if (event == nullptr) return null_argument(api, "event");
  if (Status s = runtime::device_ready(api); !s.ok()) return s;
  if (Status s = runtime::create_event(timing, waitable, *event); !s.ok()) {
    return {s.code(), std::string(api) + ": " + s.message()};
  }
  return {};
}

/// aclrtEventElapsedTime's rules for one of its events, in CANN's order and with CANN's codes.
Status check_timed(const char* name, const runtime::Event& event) {
  const char* api = "aclrtEventElapsedTime";
  if (!event.recorded()) {
    return runtime_error(StatusCode::kRtInternalError, api,
                         std::string(name) +
                             " must be recorded (expected aclrtRecordEvent first, got an event "
                             "never recorded or reset since)");
  }
  if (!event.timing()) {
    return runtime_error(StatusCode::kRtEventTimestampInvalid, api,
                         std::string(name) +
                             " must keep a time stamp (expected aclrtCreateEvent or "
                             "ACL_EVENT_TIME_LINE, got an event made without it)");
  }
  bool complete = false;
  if (Status s = event.query(complete); !s.ok()) return {s.code(), std::string(api) + ": " + s.message()};
  if (!complete) {
    return runtime_error(StatusCode::kRtEventTimestampInvalid, api,
                         std::string(name) +
                             " must have completed (expected the work before its record to have "
                             "run, e.g. after aclrtSynchronizeStream, got an event still pending)");
  }
  return {};
}

Status named(const char* api, Status status) {
  if (status.ok()) return status;
  return {status.code(), std::string(api) + ": " + status.message()};
}

}  // namespace

extern "C" {

aclError aclrtCreateEvent(aclrtEvent* event) {
  return guarded("aclrtCreateEvent", [&]() { return create("aclrtCreateEvent", event, true, true); });
}

aclError aclrtCreateEventWithFlag(aclrtEvent* event, uint32_t flag) {
  return guarded("aclrtCreateEventWithFlag", [&]() -> Status {
    if (event == nullptr) return null_argument("aclrtCreateEventWithFlag", "event");
    if (Status s = check_flag(flag); !s.ok()) return s;
    return create("aclrtCreateEventWithFlag", event, (flag & ACL_EVENT_TIME_LINE) != 0,
                  (flag & (ACL_EVENT_SYNC | kRuntimeSync)) != 0);
  });
}

aclError aclrtDestroyEvent(aclrtEvent event) {
  return guarded("aclrtDestroyEvent", [&]() -> Status {
    std::shared_ptr<runtime::Event> found;
    if (Status s = find_event("aclrtDestroyEvent", "event", event, found); !s.ok()) return s;
    runtime::destroy_event(event);
    return {};
  });
}

aclError aclrtRecordEvent(aclrtEvent event, aclrtStream stream) {
  return guarded("aclrtRecordEvent", [&]() -> Status {
    const char* api = "aclrtRecordEvent";
    std::shared_ptr<runtime::Event> found;
    if (Status s = find_event(api, "event", event, found); !s.ok()) return s;
    std::shared_ptr<runtime::Stream> on;
    if (Status s = find_stream(api, stream, on); !s.ok()) return s;
    found->record(on);
    return {};
  });
}

aclError aclrtResetEvent(aclrtEvent event, aclrtStream stream) {
  return guarded("aclrtResetEvent", [&]() -> Status {
    const char* api = "aclrtResetEvent";
    std::shared_ptr<runtime::Event> found;
    if (Status s = find_event(api, "event", event, found); !s.ok()) return s;
    if (Status s = check_waitable(api, *found); !s.ok()) return s;
    std::shared_ptr<runtime::Stream> on;
    if (Status s = find_stream(api, stream, on); !s.ok()) return s;
    found->reset(*on);
    return {};
  });
}

aclError aclrtQueryEventStatus(aclrtEvent event, aclrtEventRecordedStatus* status) {
  return guarded("aclrtQueryEventStatus", [&]() -> Status {
    const char* api = "aclrtQueryEventStatus";
    std::shared_ptr<runtime::Event> found;
    if (Status s = find_event(api, "event", event, found); !s.ok()) return s;
    if (status == nullptr) return null_argument(api, "status");
    bool complete = false;
    if (Status s = found->query(complete); !s.ok()) return named(api, std::move(s));
    *status = complete ? ACL_EVENT_RECORDED_STATUS_COMPLETE : ACL_EVENT_RECORDED_STATUS_NOT_READY;
    return {};
  });
}

aclError aclrtQueryEventWaitStatus(aclrtEvent event, aclrtEventWaitStatus* status) {
  return guarded("aclrtQueryEventWaitStatus", [&]() -> Status {
    const char* api = "aclrtQueryEventWaitStatus";
    std::shared_ptr<runtime::Event> found;
    if (Status s = find_event(api, "event", event, found); !s.ok()) return s;
    if (status == nullptr) return null_argument(api, "status");
    bool passed = false;
    if (Status s = found->waits_passed(passed); !s.ok()) return named(api, std::move(s));
    *status = passed ? ACL_EVENT_WAIT_STATUS_COMPLETE : ACL_EVENT_WAIT_STATUS_NOT_READY;
    return {};
  });
}

aclError aclrtSynchronizeEvent(aclrtEvent event) {
  return guarded("aclrtSynchronizeEvent", [&]() -> Status {
    std::shared_ptr<runtime::Event> found;
    if (Status s = find_event("aclrtSynchronizeEvent", "event", event, found); !s.ok()) return s;
    return named("aclrtSynchronizeEvent", found->synchronize());
  });
}

aclError aclrtEventElapsedTime(float* ms, aclrtEvent startEvent, aclrtEvent endEvent) {
  return guarded("aclrtEventElapsedTime", [&]() -> Status {
    const char* api = "aclrtEventElapsedTime";
    if (ms == nullptr) return null_argument(api, "ms");
    std::shared_ptr<runtime::Event> start;
    std::shared_ptr<runtime::Event> end;
    if (Status s = find_event(api, "startEvent", startEvent, start); !s.ok()) return s;
    if (Status s = find_event(api, "endEvent", endEvent, end); !s.ok()) return s;
    if (Status s = check_timed("startEvent", *start); !s.ok()) return s;
    if (Status s = check_timed("endEvent", *end); !s.ok()) return s;
    return named(api, end->elapsed_since(*start, *ms));
  });
}

aclError aclrtStreamWaitEvent(aclrtStream stream, aclrtEvent event) {
  return guarded("aclrtStreamWaitEvent", [&]() -> Status {
    const char* api = "aclrtStreamWaitEvent";
    std::shared_ptr<runtime::Event> found;
    if (Status s = find_event(api, "event", event, found); !s.ok()) return s;
    if (Status s = check_waitable(api, *found); !s.ok()) return s;
    std::shared_ptr<runtime::Stream> on;
    if (Status s = find_stream(api, stream, on); !s.ok()) return s;
    found->make_wait(*on);
    return {};
  });
}

}  // extern "C"
