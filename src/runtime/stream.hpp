// An ordered queue of work on the runtime's device, and the table of live streams.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "advstep/status.hpp"
#include "runtime/device_backend.hpp"

namespace advstep::runtime {

/// Work runs in submission order. Eager streams run it at once in the submitting thread; deferred
/// streams (ADVSTEP_STREAM_MODE=deferred) hold it until synchronize(), as an NPU's results are not
/// there before the stream is synchronised, or until run_through() needs a part of it (an event).
/// A failed task's status is kept and reported once. Tasks reach the device through device(): the
/// host runs them in place, a GPU asynchronously.
class Stream {
 public:
  /// A stream of the runtime's device @p device_id whose work goes to @p device.
  Stream(bool deferred, std::unique_ptr<DeviceQueue> device, int32_t device_id)
      : device_(std::move(device)), deferred_(deferred), device_id_(device_id) {}

  /// Runs or queues @p task, a callable returning Status, and returns its place in the stream's order
  /// (0 on an eager stream: the task has run). Eager submission does not allocate.
  template <typename Task>
  uint64_t submit(Task&& task) {
    if (!deferred_) {
      record(task());
      return 0;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    queued_.emplace_back(++submitted_, std::forward<Task>(task));
    pending_.store(true, std::memory_order_release);
    return submitted_;
  }

  /// Who synchronises: the stream itself (aclrtSynchronizeStream), or the whole device.
  enum class Scope : int32_t { kStream, kDevice };

  /// Runs everything queued and waits for the device. A failure (a task's, else one the device
  /// found) is kept by the stream until the stream itself is synchronised: a kStream call returns
  /// and clears it; a kDevice call reports it too, once, and leaves it for the stream's own call, so
  /// code that synchronises only the stream never misses its fault. Refused (ACL_ERROR_RT_FEATURE_
  /// NOT_SUPPORT) from inside a task of this stream (a host function), which could never finish.
  Status synchronize(Scope scope = Scope::kStream);

  /// Runs the queued work up to and including place @p place, in order, and waits for whatever
  /// another thread is running of it. Failures are kept for synchronize(). Safe from any thread and
  /// from a task of another stream; refused (as synchronize) from a task of this stream.
  [[nodiscard]] Status run_through(uint64_t place);

  /// Drops queued work without running it.
  void discard();

  [[nodiscard]] bool deferred() const { return deferred_; }

  /// Where the stream's copies, fills and operators go; lives as long as the stream.
  [[nodiscard]] DeviceQueue& device() const { return *device_; }

  /// The runtime's device the stream was created on: its operators' tensors must be memory of it.
  [[nodiscard]] int32_t device_id() const { return device_id_; }

 private:
  void record(Status status);

  std::unique_ptr<DeviceQueue> device_;  // first: queued tasks refer to it, so it is destroyed last
  bool deferred_;
  int32_t device_id_;
  std::mutex mutex_;
  std::condition_variable finished_;  ///< signalled when a task ends
  std::deque<std::pair<uint64_t, std::function<Status()>>> queued_;
  uint64_t submitted_ = 0;  ///< place of the last task queued
  bool running_ = false;    ///< a thread is running the task at the front; tasks run one at a time
  Status failure_;
  bool failure_reported_to_device_ = false;  ///< a device synchronisation has reported failure_
  /// Set with queued work or a kept failure, so that synchronising an idle eager stream takes no lock
  /// and builds no queue (the hot path of a two-phase call ends in aclrtSynchronizeStream).
  std::atomic<bool> pending_{false};
};

/// Whether new streams defer their work (read from ADVSTEP_STREAM_MODE at each creation).
bool deferred_mode_requested();

/// Creates a stream on the calling thread's device and sets @p handle: the device's own stream
/// handle when it has one (a cudaStream_t), else the runtime's.
Status create_stream(void*& handle);

/// The stream behind @p handle (null: the calling thread's device's default stream), or null for an
/// unknown handle.
std::shared_ptr<Stream> find_stream(void* handle);

/// Forgets @p handle; false when it is unknown. The stream is destroyed once no one uses it.
bool destroy_stream(void* handle);

/// Synchronises every live stream and the default streams (Scope::kDevice); returns the first
/// failure not yet reported by a device synchronisation. Each stream keeps its own for its own call.
Status synchronize_all();

/// Drops every created stream (aclFinalize).
void destroy_all_streams();

}  // namespace advstep::runtime
