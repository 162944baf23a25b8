#include "runtime/event.hpp"

#include <map>
#include <utility>

#include "runtime/device.hpp"
#include "runtime/snapshot_registry.hpp"

namespace advstep::runtime {
namespace {

using EventMap = std::map<void*, std::shared_ptr<Event>>;

SnapshotRegistry<EventMap>& events() {
  static SnapshotRegistry<EventMap> registry;
  return registry;
}

}  // namespace

Event::Event(bool timing, bool waitable, std::unique_ptr<DeviceEvent> device)
    : timing_(timing), waitable_(waitable), device_(std::move(device)) {}

void Event::record(const std::shared_ptr<Stream>& stream) {
  auto task = [self = shared_from_this(), device = &stream->device()](uint64_t generation) -> Status {
    Status status = self->device_ != nullptr ? self->device_->record(*device) : Status();
    self->complete(generation);  // a failed device record must not leave waiters blocked
    return status;
  };
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t generation = ++recorded_;
  last_ = RecordPoint{generation, stream, 0};
  if (stream->deferred()) {
    // Queued under the lock, so that a waiter never sees this generation without its place.
    last_.place = stream->submit([task, generation]() { return task(generation); });
    return;
  }
  lock.unlock();  // an eager stream runs the task now, and the task takes the lock
  stream->submit([task, generation]() { return task(generation); });
}

void Event::complete(uint64_t generation) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (generation <= completed_) return;  // a newer record completed first
    completed_ = generation;
    completed_at_ = Clock::now();
  }
  completed_signal_.notify_all();
}

void Event::reset(Stream& stream) {
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation = recorded_;
  }
  stream.submit([self = shared_from_this(), generation]() -> Status {
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (generation > self->reset_) self->reset_ = generation;
    return {};
  });
}

void Event::make_wait(Stream& stream) {
  RecordPoint point;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!recorded_locked()) return;  // as CANN and CUDA: waiting for no record waits for nothing
    point = last_;
    ++waits_pending_;
  }
  stream.submit([self = shared_from_this(), point, device = &stream.device()]() -> Status {
    Status status = self->reach(point);
    if (status.ok() && self->device_ != nullptr) status = self->device_->make_wait(*device);
    std::lock_guard<std::mutex> lock(self->mutex_);
    --self->waits_pending_;
    return status;
  });
}

Status Event::reach(const RecordPoint& point) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (completed_ >= point.generation) return {};
  }
  const std::shared_ptr<Stream> stream = point.stream.lock();
  if (stream == nullptr) return {};  // destroyed: its work ran, or was dropped by aclrtDestroyStreamForce
  if (stream->deferred()) {
    // Runs the recording stream up to the record and no further (from this thread, or waits for the
    // thread running it). Tasks stay in order, and a record precedes every wait that captured it, so
    // two streams never wait on each other here.
    // Refused from a task of that very stream (a host function waiting for a record after itself).
    return stream->run_through(point.place);  // complete, or dropped by aclrtDestroyStreamForce
  }
  // An eager record is being made by another thread right now: its task is running.
  std::unique_lock<std::mutex> lock(mutex_);
  completed_signal_.wait(lock, [&] { return completed_ >= point.generation; });
  return {};
}

bool Event::recorded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return recorded_locked();
}

Status Event::query(bool& complete) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    complete = recorded_locked() && completed_ >= recorded_;
  }
  if (!complete || device_ == nullptr) return {};
  return device_->query(complete);
}

Status Event::synchronize() {
  RecordPoint point;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!recorded_locked()) return {};
    point = last_;
  }
  if (Status s = reach(point); !s.ok()) return s;
  return device_ != nullptr ? device_->synchronize() : Status();
}

Status Event::waits_passed(bool& passed) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    passed = waits_pending_ == 0;
  }
  if (!passed || device_ == nullptr) return {};
  return device_->waits_passed(passed);
}

Status Event::elapsed_since(const Event& start, float& ms) const {
  if (device_ != nullptr && start.device_ != nullptr) return device_->elapsed_since(*start.device_, ms);
  Clock::time_point begin;
  Clock::time_point end;
  {
    std::lock_guard<std::mutex> lock(start.mutex_);
    begin = start.completed_at_;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    end = completed_at_;
  }
  ms = std::chrono::duration<float, std::milli>(end - begin).count();
  return {};
}

Status create_event(bool timing, bool waitable, void*& handle) {
  std::unique_ptr<DeviceEvent> device;
  if (Status s = backend().create_event(current_device(), timing, device); !s.ok()) return s;
  auto event = std::make_shared<Event>(timing, waitable, std::move(device));
  void* key = event->handle();
  events().update([&](EventMap& map) { map.emplace(key, std::move(event)); });
  handle = key;
  return {};
}

std::shared_ptr<Event> find_event(void* handle) {
  const EventMap& map = events().read();
  const auto it = map.find(handle);
  return it == map.end() ? nullptr : it->second;
}

bool destroy_event(void* handle) {
  bool found = false;
  events().update([&](EventMap& map) { found = map.erase(handle) > 0; });
  return found;
}

}  // namespace advstep::runtime
