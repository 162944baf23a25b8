// An ordered queue of work on the runtime's device, and the table of live streams.
#pragma once

#include <atomic>
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
/// there before the stream is synchronised. A failed task's status is kept and reported once.
/// Tasks reach the device through device(): the host runs them in place, a GPU asynchronously.
class Stream {
 public:
  Stream(bool deferred, std::unique_ptr<DeviceQueue> device) : device_(std::move(device)), deferred_(deferred) {}

  /// Runs or queues @p task, a callable returning Status. Eager submission does not allocate.
  template <typename Task>
  void submit(Task&& task) {
    if (!deferred_) {
      record(task());
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    queued_.emplace_back(std::forward<Task>(task));
    pending_.store(true, std::memory_order_release);
  }

  /// Runs everything queued, waits for the device, then returns (and clears) the first failure
  /// since the last call: a task's, else one the device found since then.
  Status synchronize();

  /// Drops queued work without running it.
  void discard();

  [[nodiscard]] bool deferred() const { return deferred_; }

  /// Where the stream's copies, fills and operators go; lives as long as the stream.
  [[nodiscard]] DeviceQueue& device() const { return *device_; }

 private:
  void record(Status status);
  /// Runs queued work; returns (and clears) the first failure kept by a task.
  Status finish_tasks();

  std::unique_ptr<DeviceQueue> device_;  // first: queued tasks refer to it, so it is destroyed last
  bool deferred_;
  std::mutex mutex_;
  std::deque<std::function<Status()>> queued_;
  Status failure_;
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

/// Synchronises every live stream and the default streams; returns the first failure.
Status synchronize_all();

/// Drops every created stream (aclFinalize).
void destroy_all_streams();

}  // namespace advstep::runtime
