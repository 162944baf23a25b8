// The device the ACL runtime drives: the host CPU, or CUDA GPUs. One backend per process, chosen
// from ADVSTEP_DEVICE at the runtime's first use; everything device-specific goes through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "runtime/memory.hpp"

namespace advstep::runtime {

/// The direction of a copy, as aclrtMemcpyKind names it; kInfer lets the device work it out.
enum class CopyDirection : int32_t { kHostToHost, kHostToDevice, kDeviceToHost, kDeviceToDevice, kInfer };

/// The device side of one stream: its copies, fills and operator runs happen in submission order.
/// Arguments were checked by the caller (ranges, registry); a queue only moves bytes and runs plans.
class DeviceQueue {
 public:
  virtual ~DeviceQueue() = default;

  /// The handle callers see as aclrtStream, when the device has one (a cudaStream_t); null otherwise.
  [[nodiscard]] virtual void* native_handle() const = 0;
  /// Copies @p count bytes after the work already queued.
  virtual Status copy(void* dst, const void* src, size_t count, CopyDirection direction) = 0;
  /// Sets @p count bytes at @p dst to the byte @p value after the work already queued.
  virtual Status fill(void* dst, int32_t value, size_t count) = 0;
  /// Runs a checked plan after the work already queued. A data fault is returned here when the
  /// device finds it at once (the host), or kept until wait() when it is found asynchronously.
  virtual Status run(const core::Plan& plan) = 0;
  /// Blocks until everything queued has finished; returns a fault kept since the last call, once.
  virtual Status wait() = 0;
  /// Calls @p function(@p args) on the host after the work already queued (aclrtLaunchHostFunc).
  virtual Status call_host(void (*function)(void*), void* args) = 0;
};

/// The device side of an event, for devices that run work asynchronously by themselves (a GPU). The
/// runtime's event (runtime/event.hpp) keeps the record/reset bookkeeping and calls these in stream
/// order; the host device has no device side: its events are complete when their stream task has run.
class DeviceEvent {
 public:
  virtual ~DeviceEvent() = default;

  /// The handle callers see as aclrtEvent (a cudaEvent_t).
  [[nodiscard]] virtual void* native_handle() const = 0;
  /// Captures the work queued on @p queue so far.
  virtual Status record(DeviceQueue& queue) = 0;
  /// Whether the captured work has finished; does not block.
  virtual Status query(bool& complete) = 0;
  /// Blocks until the captured work has finished.
  virtual Status synchronize() = 0;
  /// Makes @p queue's later work wait for the captured work.
  virtual Status make_wait(DeviceQueue& queue) = 0;
  /// Whether every queue given to make_wait() has passed its wait; does not block.
  virtual Status waits_passed(bool& passed) = 0;
  /// Milliseconds from @p start's completion to this event's; both recorded and complete.
  virtual Status elapsed_since(DeviceEvent& start, float& ms) = 0;
};

/// Devices, memory and queues of one kind of device.
class DeviceBackend {
 public:
  virtual ~DeviceBackend() = default;

  /// "cpu" or "cuda".
  [[nodiscard]] virtual const char* name() const = 0;
  /// Non-ok when the requested device cannot be used: every device call then fails with it.
  [[nodiscard]] virtual Status usable() const { return {}; }
  [[nodiscard]] virtual uint32_t device_count() const = 0;
  /// The device's model name (what aclrtGetSocName returns); @p device < device_count().
  [[nodiscard]] virtual const char* soc_name(int32_t device) const = 0;
  /// Binds the calling thread to @p device (in range: checked by the caller).
  virtual Status set_device(int32_t device) = 0;
  /// @p size bytes of @p kind memory on @p device (in range), at least 64-byte aligned; null when exhausted.
  virtual void* allocate(size_t size, MemoryKind kind, int32_t device) = 0;
  /// Frees what allocate() returned.
  virtual void deallocate(void* address, MemoryKind kind) = 0;
  /// Whether @p address is in the device's memory (a live block or not): such an address is never
  /// taken for host memory. A device whose addresses cannot be host memory anyway, and whose own
  /// driver refuses a freed one (CUDA's unified addressing), answers false.
  [[nodiscard]] virtual bool is_device_address(const void* /*address*/) const { return false; }
  /// Copies now, synchronously for the caller.
  virtual Status copy(void* dst, const void* src, size_t count, CopyDirection direction) = 0;
  /// Fills now, synchronously for the caller.
  virtual Status fill(void* dst, int32_t value, size_t count) = 0;
  /// A queue on @p device (the runtime's current device): a new stream, or its default stream.
  virtual Status create_queue(int32_t device, bool default_stream, std::unique_ptr<DeviceQueue>& queue) = 0;
  /// The device side of a new event on @p device (the runtime's current device), or null when the
  /// device has none (the host: its events live in stream order alone). @p timing: it keeps a time.
  virtual Status create_event(int32_t /*device*/, bool /*timing*/, std::unique_ptr<DeviceEvent>& event) {
    event.reset();
    return {};
  }
  /// Free and total bytes of @p device's own memory (aclrtGetMemInfo's HBM kinds).
  virtual Status memory_info(int32_t device, size_t& free, size_t& total) = 0;
  /// Whether streams may hold their work until synchronisation (ADVSTEP_STREAM_MODE=deferred).
  /// The host emulates an NPU's asynchrony that way; a GPU is asynchronous by itself.
  [[nodiscard]] virtual bool supports_deferred() const = 0;
};

/// The process's backend, chosen at the first call from ADVSTEP_DEVICE: "cpu"; "cuda" (an error
/// backend whose usable() explains why when CUDA is not built or no GPU is visible); "auto" or
/// unset: CUDA when built and a GPU is visible, else the CPU.
DeviceBackend& backend();

/// backend().usable() with @p api in front of its message, for the entry points that start device work.
Status device_ready(const char* api);

/// A queue whose every call fails with @p reason: the default stream of a device that cannot run.
std::unique_ptr<DeviceQueue> make_failing_queue(Status reason);

}  // namespace advstep::runtime
