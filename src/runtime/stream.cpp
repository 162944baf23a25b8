#include "runtime/stream.hpp"

#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "runtime/snapshot_registry.hpp"

namespace advstep::runtime {
namespace {

using StreamMap = std::map<void*, std::shared_ptr<Stream>>;

SnapshotRegistry<StreamMap>& streams() {
  static SnapshotRegistry<StreamMap> registry;
  return registry;
}

const std::shared_ptr<Stream>& default_stream() {
  static const std::shared_ptr<Stream> stream = std::make_shared<Stream>(deferred_mode_requested());
  return stream;
}

}  // namespace

Status Stream::synchronize() {
  if (!pending_.load(std::memory_order_acquire)) return {};
  std::deque<std::function<Status()>> work;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.store(false, std::memory_order_relaxed);  // set again by work that fails below
    work.swap(queued_);
  }
  for (auto& task : work) record(task());
  std::lock_guard<std::mutex> lock(mutex_);
  Status failure = std::move(failure_);
  failure_ = Status();
  return failure;
}

void Stream::discard() {
  std::lock_guard<std::mutex> lock(mutex_);
  queued_.clear();
}

void Stream::record(Status status) {
  if (status.ok()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (failure_.ok()) failure_ = std::move(status);
  pending_.store(true, std::memory_order_release);
}

bool deferred_mode_requested() {
  const char* mode = std::getenv("ADVSTEP_STREAM_MODE");
  return mode != nullptr && std::strcmp(mode, "deferred") == 0;
}

void* create_stream() {
  auto stream = std::make_shared<Stream>(deferred_mode_requested());
  void* handle = stream.get();
  streams().update([&](StreamMap& map) { map.emplace(handle, std::move(stream)); });
  return handle;
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
  std::vector<std::shared_ptr<Stream>> all{default_stream()};
  for (const auto& [handle, stream] : streams().read()) all.push_back(stream);
  Status first;
  for (const auto& stream : all) {
    Status status = stream->synchronize();
    if (first.ok()) first = std::move(status);
  }
  return first;
}

void destroy_all_streams() {
  streams().update([](StreamMap& map) { map.clear(); });
}

}  // namespace advstep::runtime
