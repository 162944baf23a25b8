#include "cuda/cuda_queue.hpp"

#include <utility>
#include <vector>

#include "cuda/cuda_memory.hpp"
#include "cuda/cuda_status.hpp"
#include "cuda/launch.hpp"

namespace advstep::cuda {
namespace {

constexpr StatusCode kStreamCapturing = StatusCode::kRtParamInvalid;

/// Frees what create() allocated so far when a later step fails.
void release(cudaStream_t stream, bool owns_stream, FaultRecord* record, FaultReport* readback) {
  if (owns_stream && stream != nullptr) (void)cudaStreamDestroy(stream);
  if (record != nullptr) (void)cudaFree(record);
  if (readback != nullptr) (void)cudaFreeHost(readback);
  (void)cudaGetLastError();
}

}  // namespace

Status CudaQueue::create(int32_t device, bool default_stream, int32_t multiprocessors,
                         std::unique_ptr<runtime::DeviceQueue>& queue) {
  cudaStream_t stream = nullptr;
  FaultRecord* record = nullptr;
  FaultReport* readback = nullptr;
  const bool owns_stream = !default_stream;
  if (owns_stream) {
    if (cudaError_t e = cudaStreamCreate(&stream); e != cudaSuccess) return failure("cudaStreamCreate failed", e);
  }
  // As for captured launches' records: in relaxed capture mode and initialised on a side stream, so
  // that creating a stream (or the default stream's first use) while another thread captures in
  // global mode neither breaks that capture nor waits on the legacy default stream.
  if (Status s = allocate_records(1, record, readback); !s.ok()) {
    release(stream, owns_stream, nullptr, nullptr);
    return {s.code(), "the stream's fault record: " + s.message()};
  }
  queue.reset(new CudaQueue(device, stream, owns_stream, record, readback, multiprocessors));
  return {};
}

CudaQueue::CudaQueue(int32_t device, cudaStream_t stream, bool owns_stream, FaultRecord* record,
                     FaultReport* readback, int32_t multiprocessors)
    : device_(device),
      stream_(stream),
      owns_stream_(owns_stream),
      record_(record),
      readback_(readback),
      multiprocessors_(multiprocessors) {}

CudaQueue::~CudaQueue() {
  // cudaFree waits for the device, so kernels still using the record finish first.
  const DeviceGuard guard(device_);
  release(stream_, owns_stream_, record_, readback_);
}

// Copies and fills take the enqueue lock while they enqueue (another thread's copy into a step's
// tensors must not land between that step's check and write kernels), never while they wait:
// see cuda::copy and cuda::fill.
Status CudaQueue::copy(void* dst, const void* src, size_t count, runtime::CopyDirection direction) {
  const DeviceGuard guard(device_);
  if (guard.error() != cudaSuccess) return failure("cudaSetDevice failed", guard.error());
  return cuda::copy(dst, src, count, direction, true, stream_);
}

Status CudaQueue::fill(void* dst, int32_t value, size_t count) {
  const DeviceGuard guard(device_);
  if (guard.error() != cudaSuccess) return failure("cudaSetDevice failed", guard.error());
  return cuda::fill(dst, value, count, true, stream_);
}

Status CudaQueue::run(const core::Plan& plan) {
  // Threads sharing a stream (the default one above all) must not interleave their kernels: a
  // write kernel reads the verdict of the check kernel just before it on the stream, and the
  // tensors it checked must not change in between.
  std::unique_lock<std::mutex> lock(enqueue_mutex());
  const DeviceGuard guard(device_);
  if (guard.error() != cudaSuccess) {
    return failure(StatusCode::kRuntimeError, std::string(plan.api) + ": cudaSetDevice failed", guard.error());
  }
  FaultRecord* record = record_;
  if (stream_ != nullptr) {  // the legacy default stream cannot be captured
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    if (cudaError_t e = cudaStreamIsCapturing(stream_, &capture); e != cudaSuccess) {
      return failure(StatusCode::kRuntimeError, std::string(plan.api) + ": cudaStreamIsCapturing failed", e);
    }
    if (capture == cudaStreamCaptureStatusActive) {
      if (Status s = captured_.take(lock, record); !s.ok()) {  // may release the lock to allocate
        return {StatusCode::kRuntimeError, std::string(plan.api) + ": " + s.message()};
      }
    }
  }
  launched_ = true;  // with the launch, under the lock (take() above may have released it meanwhile)
  return launch(plan, {stream_, record, multiprocessors_});
}

Status CudaQueue::wait() {
  const std::lock_guard<std::mutex> lock(wait_mutex_);
  const DeviceGuard guard(device_);
  if (guard.error() != cudaSuccess) return failure("cudaSetDevice failed", guard.error());
  if (stream_ != nullptr) {
    // Synchronising a stream being captured would put the collect into the graph and end the capture.
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    if (cudaError_t e = cudaStreamIsCapturing(stream_, &capture); e != cudaSuccess) {
      return failure("cudaStreamIsCapturing failed", e);
    }
    if (capture != cudaStreamCaptureStatusNone) {
      return {kStreamCapturing, "the stream is being captured into a CUDA graph; synchronise it after "
                                "cudaStreamEndCapture (expected a stream not capturing, got one capturing)"};
    }
  }
  bool collect = false;
  std::vector<CollectedReports> collected;
  {
    // Enqueued under the lock (not between a step's two kernels, nor beside a chunk being added),
    // waited for without it.
    const std::lock_guard<std::mutex> launches(enqueue_mutex());
    // Only launches write the stream's record: an idle stream is synchronised and nothing more.
    // Captured launches may be replayed anywhere, any time, so their records are always read.
    collect = launched_ || !captured_.empty();
    if (collect) {
      if (Status s = enqueue_collect(record_, readback_, stream_); !s.ok()) return s;
      if (Status s = captured_.enqueue_collect(stream_, collected); !s.ok()) return s;
      launched_ = false;  // only once the collect is on its way: a failed one is tried again
    }
  }
  if (cudaError_t e = cudaStreamSynchronize(stream_); e != cudaSuccess) return failure("cudaStreamSynchronize failed", e);
  if (!collect) return {};
  FaultReport report = *readback_;
  merge_collected(collected, report);  // what was collected; records taken since wait for the next
  return collected_fault(report);
}

Status CudaQueue::call_host(void (*function)(void*), void* args) {
  const std::lock_guard<std::mutex> lock(enqueue_mutex());  // never between a step's two kernels
  const DeviceGuard guard(device_);
  if (guard.error() != cudaSuccess) return failure("cudaSetDevice failed", guard.error());
  if (cudaError_t e = cudaLaunchHostFunc(stream_, function, args); e != cudaSuccess) {
    return failure("cudaLaunchHostFunc failed", e);
  }
  return {};
}

std::mutex& enqueue_mutex() {
  static std::mutex mutex;
  return mutex;
}

Status enqueue_collect(FaultRecord* record, FaultReport* readback, cudaStream_t stream) {
  // Ordered after every launch before it on the stream and before every launch after it.
  if (cudaError_t e = enqueue_fault_collect(record, 1, readback, stream); e != cudaSuccess) {
    return failure("collecting the stream's fault record failed", e);
  }
  return {};
}

Status collected_fault(const FaultReport& readback) {
  if (readback.claimed == 0) return {};
  return describe(readback);
}

}  // namespace advstep::cuda
