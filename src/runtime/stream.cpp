#include "runtime/stream.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "runtime/device.hpp"
#include "runtime/snapshot_registry.hpp"

namespace advstep::runtime {
namespace {

using StreamMap = std::map<void*, std::shared_ptr<Stream>>;

SnapshotRegistry<StreamMap>& streams() {
  static SnapshotRegistry<StreamMap> registry;
  return registry;
}

bool defers() { return deferred_mode_requested() && backend().supports_deferred(); }

/// Default streams, one per device, made at their first use and kept for the process.
struct DefaultStreams {
  std::mutex mutex;
  std::map<int32_t, std::shared_ptr<Stream>> by_device;
};

DefaultStreams& default_streams() {
  static DefaultStreams streams;
  return streams;
}

std::shared_ptr<Stream> default_stream() {
  const int32_t device = current_device();
  thread_local int32_t cached_device = -1;
  thread_local std::shared_ptr<Stream> cached;  // the common case takes no lock
  if (cached && cached_device == device) return cached;
  DefaultStreams& streams = default_streams();
  std::lock_guard<std::mutex> lock(streams.mutex);
  std::shared_ptr<Stream>& slot = streams.by_device[device];
  if (!slot) {
    std::unique_ptr<DeviceQueue> queue;
    if (Status s = backend().create_queue(device, true, queue); !s.ok()) {
      // Not kept: its work fails with the reason, and the next use tries again.
      return std::make_shared<Stream>(false, make_failing_queue(std::move(s)), device);
    }
    slot = std::make_shared<Stream>(defers(), std::move(queue), device);
  }
  cached_device = device;
  cached = slot;
  return slot;
}

}  // namespace

namespace {

/// The streams whose task the calling thread is running (innermost last): such a stream cannot be
/// waited for from this thread, as its task would wait for itself.
thread_local std::vector<const Stream*> t_running_streams;

/// Marks the calling thread as running a task of @p stream for its lifetime.
class RunningTask {
 public:
  explicit RunningTask(const Stream* stream) { t_running_streams.push_back(stream); }
  ~RunningTask() { t_running_streams.pop_back(); }
  RunningTask(const RunningTask&) = delete;
  RunningTask& operator=(const RunningTask&) = delete;
};

bool running_here(const Stream* stream) {
  return std::find(t_running_streams.begin(), t_running_streams.end(), stream) != t_running_streams.end();
}

Status waits_for_itself() {
  return {StatusCode::kRtFeatureNotSupport,
          "a stream cannot be synchronised from its own work (expected the call outside the stream's host "
          "functions, got a host function of that stream waiting for the stream it runs on, which would never finish)"};
}

}  // namespace

Status Stream::synchronize(Scope scope) {
  // Its own task is part of what it would wait for: refused even when nothing is queued after it,
  // so that the answer does not depend on timing.
  if (running_here(this)) return waits_for_itself();
  if (pending_.load(std::memory_order_acquire)) {
    if (Status s = run_through(UINT64_MAX); !s.ok()) return s;
  }
  Status found = device_->wait();  // a GPU's faults are known once it has finished
  if (!found.ok()) record(std::move(found));
  if (!pending_.load(std::memory_order_acquire)) return {};  // the hot path: nothing queued, nothing kept
  std::lock_guard<std::mutex> lock(mutex_);
  Status failure;
  if (scope == Scope::kStream) {
    failure = std::move(failure_);
    failure_ = Status();
    failure_reported_to_device_ = false;
  } else if (!failure_.ok() && !failure_reported_to_device_) {
    failure = failure_;  // reported here, and kept for the stream's own synchronisation
    failure_reported_to_device_ = true;
  }
  pending_.store(!queued_.empty() || running_ || !failure_.ok(), std::memory_order_release);  // work queued meanwhile
  return failure;
}

Status Stream::run_through(uint64_t place) {
  if (running_here(this)) {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool needed = !queued_.empty() && queued_.front().first <= place;
    if (needed) return waits_for_itself();
    return {};
  }
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (running_) {  // tasks run one at a time, in order, whichever thread runs them
      finished_.wait(lock);
      continue;
    }
    if (queued_.empty() || queued_.front().first > place) return {};
    std::function<Status()> task = std::move(queued_.front().second);
    queued_.pop_front();
    running_ = true;
    lock.unlock();
    Status status;
    try {
      const RunningTask marked(this);
      status = task();
    } catch (...) {
      lock.lock();
      running_ = false;
      finished_.notify_all();
      throw;
    }
    lock.lock();
    running_ = false;
    if (!status.ok() && failure_.ok()) {
      failure_ = std::move(status);
      failure_reported_to_device_ = false;
    }
    finished_.notify_all();
  }
}

void Stream::discard() {
  std::lock_guard<std::mutex> lock(mutex_);
  queued_.clear();
}

void Stream::record(Status status) {
  if (status.ok()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (failure_.ok()) {
    failure_ = std::move(status);
    failure_reported_to_device_ = false;
  }
  pending_.store(true, std::memory_order_release);
}

bool deferred_mode_requested() {
  const char* mode = std::getenv("ADVSTEP_STREAM_MODE");
  return mode != nullptr && std::strcmp(mode, "deferred") == 0;
}

Status create_stream(void*& handle) {
  std::unique_ptr<DeviceQueue> queue;
  const int32_t device = current_device();
  if (Status s = backend().create_queue(device, false, queue); !s.ok()) return s;
  void* native = queue->native_handle();
  auto stream = std::make_shared<Stream>(defers(), std::move(queue), device);
  void* key = native != nullptr ? native : stream.get();
  streams().update([&](StreamMap& map) { map.emplace(key, std::move(stream)); });
  handle = key;
  return {};
}

std::shared_ptr<Stream> find_stream(void* handle) {
  if (handle == nullptr) return default_stream();
  const StreamMap& map = streams().read();
  const auto it = map.find(handle);
  return it == map.end() ? nullptr : it->second;
}

bool destroy_stream(void* handle) {
  bool found = false;
  streams().update([&](StreamMap& map) { found = map.erase(handle) > 0; });
  return found;
}

Status synchronize_all() {
  (void)default_stream();  // the calling thread's device has one, as before its first use
  std::vector<std::shared_ptr<Stream>> all;
  {
    DefaultStreams& defaults = default_streams();
    std::lock_guard<std::mutex> lock(defaults.mutex);
    for (const auto& [device, stream] : defaults.by_device) all.push_back(stream);
  }
  for (const auto& [handle, stream] : streams().read()) all.push_back(stream);
  Status first;
  for (const auto& stream : all) {
    Status status = stream->synchronize(Stream::Scope::kDevice);
    if (first.ok()) first = std::move(status);
  }
  return first;
}

void destroy_all_streams() {
  streams().update([](StreamMap& map) { map.clear(); });
}

}  // namespace advstep::runtime
