// Events: points in a stream's order, to time work and to make one stream wait for another.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "advstep/status.hpp"
#include "runtime/device_backend.hpp"
#include "runtime/stream.hpp"

namespace advstep::runtime {

/// An event's records are numbered (generations). A record is a task on its stream: when the task
/// runs, the work before it has run, and the record is complete (with its time). On the host that
/// is all there is; on a GPU the task also records the device event, and completion is then the
/// device's to tell. A waiter that needs a record of a deferred stream runs that stream up to the
/// record, so nothing waits for a synchronisation that no one will call.
class Event : public std::enable_shared_from_this<Event> {
 public:
  /// @p timing: completion times are kept; @p waitable: streams may wait for it and it may be reset.
  Event(bool timing, bool waitable, std::unique_ptr<DeviceEvent> device);

  /// What aclrtEvent is: the device's handle (a cudaEvent_t) when there is one, else this object.
  [[nodiscard]] void* handle() { return device_ != nullptr ? device_->native_handle() : this; }
  [[nodiscard]] bool timing() const { return timing_; }
  [[nodiscard]] bool waitable() const { return waitable_; }

  /// Records at the current end of @p stream; replaces the previous record.
  void record(const std::shared_ptr<Stream>& stream);
  /// Returns to the never-recorded state when @p stream reaches this point.
  void reset(Stream& stream);
  /// Makes @p stream's later work wait for the current record (none: nothing to wait for).
  void make_wait(Stream& stream);

  /// Whether there is a record that was not reset since.
  [[nodiscard]] bool recorded() const;
  /// Whether the current record has completed (false when there is none); does not block.
  Status query(bool& complete) const;
  /// Blocks until the current record has completed, running deferred work it needs.
  Status synchronize();
  /// Whether every make_wait() so far has been passed by its stream.
  Status waits_passed(bool& passed) const;
  /// Milliseconds from @p start's completion to this event's. Both recorded, timed and complete.
  Status elapsed_since(const Event& start, float& ms) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct RecordPoint {
    uint64_t generation = 0;
    std::weak_ptr<Stream> stream;
    uint64_t place = 0;  ///< the record task's place on a deferred stream
  };

  void complete(uint64_t generation);
  /// Returns once record @p point has completed, or can no longer complete (its stream was destroyed
  /// without running it). Refused, without waiting, from a task of the recording stream itself.
  Status reach(const RecordPoint& point);
  [[nodiscard]] bool recorded_locked() const { return recorded_ > reset_; }

  const bool timing_;
  const bool waitable_;
  const std::unique_ptr<DeviceEvent> device_;

  mutable std::mutex mutex_;
  std::condition_variable completed_signal_;
  uint64_t recorded_ = 0;   ///< generation of the last record made
  uint64_t completed_ = 0;  ///< highest generation whose task has run
  uint64_t reset_ = 0;      ///< records up to this generation were reset
  RecordPoint last_;        ///< where record recorded_ sits
  Clock::time_point completed_at_{};
  uint64_t waits_pending_ = 0;  ///< waits queued whose task has not run
};

/// Creates an event on the calling thread's device and sets @p handle.
Status create_event(bool timing, bool waitable, void*& handle);

/// The event behind @p handle, or null for an unknown one.
std::shared_ptr<Event> find_event(void* handle);

/// Forgets @p handle; false when it is unknown. Work holding the event still completes.
bool destroy_event(void* handle);

}  // namespace advstep::runtime
