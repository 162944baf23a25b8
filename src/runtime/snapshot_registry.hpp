// A map that many threads read on hot paths and few threads change.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace advstep::runtime {

/// Copy-on-write: a change copies the map and publishes it under a new generation; a reader keeps a
/// thread-local snapshot and takes the lock only when the generation moved. Reads of an unchanged
/// registry therefore cost one atomic load. One registry per Map type (the cache is per type).
template <typename Map>
class SnapshotRegistry {
 public:
  SnapshotRegistry() : current_(std::make_shared<const Map>()) {}

  template <typename Mutate>
  void update(Mutate&& mutate) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto next = std::make_shared<Map>(*current_);
    mutate(*next);
    current_ = std::move(next);
    generation_.fetch_add(1, std::memory_order_release);
  }

  /// The newest map; valid until this thread's next read().
  const Map& read() const {
    // The pointer read on every call is trivially destructible and constant-initialised (one TLS
    // access, no guard); the snapshot's owner is touched only when the generation moved.
    struct Latest {
      uint64_t generation = ~uint64_t{0};
      const Map* map = nullptr;
    };
    struct Owner {
      std::shared_ptr<const Map> map;
      Latest* latest = nullptr;
      ~Owner() {
        if (latest != nullptr) *latest = Latest{};  // the snapshot goes with the thread
      }
    };
    thread_local Latest latest;
    const uint64_t generation = generation_.load(std::memory_order_acquire);
    if (latest.generation != generation || latest.map == nullptr) {
      thread_local Owner owner;
      std::lock_guard<std::mutex> lock(mutex_);
      owner.map = current_;
      owner.latest = &latest;
      latest = Latest{generation_.load(std::memory_order_relaxed), owner.map.get()};
    }
    return *latest.map;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Map> current_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace advstep::runtime
