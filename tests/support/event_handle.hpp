// Test support: an event from aclrtCreateEvent(WithFlag), destroyed with its owner.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "acl/acl.h"
#include "support/device_tensor.hpp"

namespace advstep::testing {

class EventHandle {
 public:
  /// aclrtCreateEvent.
  EventHandle() { EXPECT_EQ(aclrtCreateEvent(&event_), ACL_SUCCESS) << last_error_message(); }
  /// aclrtCreateEventWithFlag(@p flag).
  explicit EventHandle(uint32_t flag) {
    EXPECT_EQ(aclrtCreateEventWithFlag(&event_, flag), ACL_SUCCESS) << last_error_message();
  }
  ~EventHandle() {
    if (event_ != nullptr) (void)aclrtDestroyEvent(event_);
  }
  EventHandle(const EventHandle&) = delete;
  EventHandle& operator=(const EventHandle&) = delete;

  [[nodiscard]] aclrtEvent get() const { return event_; }
  /// Hands the event to the caller, who destroys it.
  [[nodiscard]] aclrtEvent release() { return std::exchange(event_, nullptr); }

 private:
  aclrtEvent event_ = nullptr;
};

/// The event's aclrtQueryEventStatus answer, or -1 when the call fails.
inline int32_t recorded_status(aclrtEvent event) {
  aclrtEventRecordedStatus status = ACL_EVENT_RECORDED_STATUS_NOT_READY;
  if (aclrtQueryEventStatus(event, &status) != ACL_SUCCESS) return -1;
  return static_cast<int32_t>(status);
}

/// Whether the runtime's device is the host (deferred streams exist only there).
inline bool host_device() {
  return std::strcmp(aclrtGetSocName(), "CPU") == 0;
}

}  // namespace advstep::testing
