#include "cuda/cuda_event.hpp"

#include <cuda_runtime_api.h>

#include <mutex>

#include "cuda/cuda_status.hpp"

namespace advstep::cuda {
namespace {

constexpr StatusCode kTimestampInvalid = StatusCode::kRtEventTimestampInvalid;

cudaStream_t stream_of(runtime::DeviceQueue& queue) {
  return static_cast<cudaStream_t>(queue.native_handle());
}

/// cudaEventQuery's answer as "finished or not"; anything but cudaErrorNotReady is a failure.
Status finished(cudaEvent_t event, const char* what, bool& done) {
  const cudaError_t e = cudaEventQuery(event);
  if (e == cudaErrorNotReady) {
    (void)cudaGetLastError();
    done = false;
    return {};
  }
  if (e != cudaSuccess) return failure(what, e);
  done = true;
  return {};
}

/// The event, and a second, untimed one recorded after each wait: a wait has been passed once the
/// waiting stream has reached that marker.
class CudaEvent final : public runtime::DeviceEvent {
 public:
  CudaEvent(int32_t device, cudaEvent_t event, cudaEvent_t waits) : device_(device), event_(event), waits_(waits) {}
  ~CudaEvent() override {
    const DeviceGuard guard(device_);
    (void)cudaEventDestroy(event_);  // CUDA frees it once the work it captured has finished
    (void)cudaEventDestroy(waits_);
    (void)cudaGetLastError();
  }
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;

  [[nodiscard]] void* native_handle() const override { return event_; }

  Status record(runtime::DeviceQueue& queue) override {
    const DeviceGuard guard(device_);
    if (guard.error() != cudaSuccess) return failure("cudaSetDevice failed", guard.error());
    if (cudaError_t e = cudaEventRecord(event_, stream_of(queue)); e != cudaSuccess) {
      return failure("cudaEventRecord failed", e);
    }
    return {};
  }

  Status query(bool& complete) override { return finished(event_, "cudaEventQuery failed", complete); }

  Status synchronize() override {
    if (cudaError_t e = cudaEventSynchronize(event_); e != cudaSuccess)
      return failure("cudaEventSynchronize failed", e);
    return {};
  }

  Status make_wait(runtime::DeviceQueue& queue) override {
    const cudaStream_t stream = stream_of(queue);
    if (cudaError_t e = cudaStreamWaitEvent(stream, event_, 0); e != cudaSuccess) {
      return failure("cudaStreamWaitEvent failed", e);
    }
    // The marker lives on this event's device; a wait on another GPU's stream is then not tracked.
    const std::lock_guard<std::mutex> lock(waits_mutex_);
    if (cudaError_t e = cudaEventRecord(waits_, stream); e != cudaSuccess) (void)cudaGetLastError();
    return {};
  }

  Status waits_passed(bool& passed) override {
    const std::lock_guard<std::mutex> lock(waits_mutex_);
    return finished(waits_, "cudaEventQuery failed", passed);
  }

  Status elapsed_since(runtime::DeviceEvent& start, float& ms) override {
    auto* begin = static_cast<cudaEvent_t>(start.native_handle());
    const cudaError_t e = cudaEventElapsedTime(&ms, begin, event_);
    if (e == cudaErrorNotReady) {
      return failure(kTimestampInvalid, "cudaEventElapsedTime: an event has not completed", e);
    }
    if (e != cudaSuccess) return failure("cudaEventElapsedTime failed", e);
    return {};
  }

 private:
  int32_t device_;
  cudaEvent_t event_;
  cudaEvent_t waits_;
  std::mutex waits_mutex_;
};

}  // namespace

Status create_event(int32_t device, bool timing, std::unique_ptr<runtime::DeviceEvent>& event) {
  const DeviceGuard guard(device);
  if (guard.error() != cudaSuccess) return failure("cudaSetDevice failed", guard.error());
  cudaEvent_t handle = nullptr;
  cudaEvent_t waits = nullptr;
  if (cudaError_t e = cudaEventCreateWithFlags(&handle, timing ? cudaEventDefault : cudaEventDisableTiming);
      e != cudaSuccess) {
    return failure("cudaEventCreateWithFlags failed", e);
  }
  if (cudaError_t e = cudaEventCreateWithFlags(&waits, cudaEventDisableTiming); e != cudaSuccess) {
    (void)cudaEventDestroy(handle);
    return failure("cudaEventCreateWithFlags failed", e);
  }
  event = std::make_unique<CudaEvent>(device, handle, waits);
  return {};
}

Status memory_info(int32_t device, size_t& free, size_t& total) {
  const DeviceGuard guard(device);
  if (guard.error() != cudaSuccess) return failure("cudaSetDevice failed", guard.error());
  if (cudaError_t e = cudaMemGetInfo(&free, &total); e != cudaSuccess) return failure("cudaMemGetInfo failed", e);
  return {};
}

}  // namespace advstep::cuda
