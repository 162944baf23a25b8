// An ordered queue of work on the host device, and the table of live streams.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "advstep/status.hpp"

namespace advstep::runtime {

/// Work runs in submission order. Eager streams run it at once in the submitting thread; deferred
/// streams (ADVSTEP_STREAM_MODE=deferred) hold it until synchronize(), as an NPU's results are not
/// there before the stream is synchronised. A failed task's status is kept and reported once.
class Stream {
 public:
  explicit Stream(bool deferred) : deferred_(deferred) {}

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

  /// Runs everything queued, then returns (and clears) the first failure since the last call.
  Status synchronize();

  /// Drops queued work without running it.
  void discard();

  [[nodiscard]] bool deferred() const { return deferred_; }

 private:
  void record(Status status);

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

/// Creates a stream and returns its handle.
void* create_stream();

/// The stream behind @p handle (null: the default stream), or null for an unknown handle.
std::shared_ptr<Stream> find_stream(void* handle);

/// Forgets @p handle; false when it is unknown. The stream is destroyed once no one uses it.
bool destroy_stream(void* handle);

/// Synchronises every live stream and the default stream; returns the first failure.
Status synchronize_all();

/// Drops every created stream (aclFinalize).
void destroy_all_streams();

}  // namespace advstep::runtime
