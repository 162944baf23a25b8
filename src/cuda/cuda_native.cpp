// The native C++ API on CUDA tensors: caller-owned device memory and the caller's stream.
#include <cuda_runtime_api.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/message.hpp"
#include "cuda/cuda_queue.hpp"
#include "cuda/cuda_status.hpp"
#include "cuda/launch.hpp"
#include "cuda/native_enqueued.hpp"
#include "cuda/plugin_functions.hpp"
#include "cuda/record_pool.hpp"

namespace advstep::cuda {
namespace {

/// The calling thread's fault record on one GPU. A native call synchronises before it returns, so a
/// thread never has two launches in flight and one record per GPU serves all its streams.
struct NativeRecord {
  int32_t device = -1;
  FaultRecord* record = nullptr;
  FaultReport* readback = nullptr;  ///< mapped pinned memory
  int32_t multiprocessors = 1;

  NativeRecord() = default;
  NativeRecord(const NativeRecord&) = delete;
  NativeRecord& operator=(const NativeRecord&) = delete;
  ~NativeRecord() {
    // Nothing of the synchronous form is ever captured, so the record dies with its thread.
    const DeviceGuard guard(device);
    if (record != nullptr) (void)cudaFree(record);
    if (readback != nullptr) (void)cudaFreeHost(readback);
    (void)cudaGetLastError();
  }
};

/// Allocated at a thread's first call on @p device (the current GPU), kept until the thread ends.
Status native_record(int32_t device, NativeRecord*& found) {
  thread_local std::vector<std::unique_ptr<NativeRecord>> records;
  for (const auto& record : records) {
    if (record->device == device) {
      found = record.get();
      return {};
    }
  }
  auto fresh = std::make_unique<NativeRecord>();
  fresh->device = device;
  int sms = 0;
  if (cudaError_t e = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device); e != cudaSuccess) {
    return failure(StatusCode::kRuntimeError, "cudaDeviceGetAttribute failed", e);
  }
  fresh->multiprocessors = sms;
  // Not cudaMemcpy on the legacy stream: that would break another thread's capture in progress.
  if (Status s = allocate_records(1, fresh->record, fresh->readback); !s.ok()) {
    return {StatusCode::kRuntimeError, "the thread's fault record: " + s.message()};
  }
  found = fresh.get();
  records.push_back(std::move(fresh));
  return {};
}

const char* memory_name(cudaMemoryType type) {
  switch (type) {
    case cudaMemoryTypeHost:
      return "pinned host memory";
    case cudaMemoryTypeUnregistered:
      return "host memory";
    default:
      return "GPU memory";
  }
}

}  // namespace

Status check_gpu_tensor(const char* api, const char* name, const core::TensorDesc& tensor, int32_t& device) {
  cudaPointerAttributes attributes{};
  if (cudaError_t e = cudaPointerGetAttributes(&attributes, tensor.first()); e != cudaSuccess) {
    return failure(StatusCode::kInvalidArgument, core::concat(api, ": ", name, " must be CUDA device memory"), e);
  }
  if (attributes.type != cudaMemoryTypeDevice && attributes.type != cudaMemoryTypeManaged) {
    return core::fail(StatusCode::kInvalidArgument, api,
                      core::concat(name, " is a CUDA tensor, so its data must be GPU memory"),
                      "device or managed memory", memory_name(attributes.type));
  }
  if (device >= 0 && attributes.device != device) {
    return core::fail(StatusCode::kInvalidArgument, api, core::concat(name, " must be on the same GPU as input_tokens"),
                      core::concat("cuda:", device), core::concat("cuda:", attributes.device));
  }
  device = attributes.device;
  return {};
}

/// Refuses the synchronous form on a stream being captured: it waits for its stream, which a
/// capture does not allow (and would be invalidated by).
Status check_not_capturing(const char* api, cudaStream_t stream) {
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  const cudaError_t error = cudaStreamIsCapturing(stream, &capture);
  if (error != cudaSuccess && error != cudaErrorStreamCaptureImplicit) {
    return failure(StatusCode::kRuntimeError, core::concat(api, ": cudaStreamIsCapturing failed"), error);
  }
  if (error == cudaSuccess && capture == cudaStreamCaptureStatusNone) return {};
  (void)cudaGetLastError();
  return core::fail(StatusCode::kInvalidArgument, api,
                    "the synchronous form waits for its stream, so it cannot run while the stream is captured "
                    "into a CUDA graph; use advance_step_async (advstep's torch op does so when capturing) and "
                    "check_cuda_faults()",
                    "a stream not being captured", "one being captured");
}

namespace {

/// run_on_gpu_stream for any operation's kernels (@p launcher enqueues them; @p api names the
/// operation in messages).
Status run_launcher(const char* api, const Launcher& launcher, int32_t device, void* stream, bool synchronous) {
  const auto on_stream = static_cast<cudaStream_t>(stream);
  const auto runtime_failure = [&](const Status& status) {
    return Status(StatusCode::kRuntimeError, std::string(api) + ": " + status.message());
  };
  // The tensors' GPU comes from the memory check of the same call: no pointer query again.
  if (on_stream != nullptr && on_stream != cudaStreamLegacy && on_stream != cudaStreamPerThread) {
    // A stream of another GPU would reach these tensors through peer access, or fault. (The special
    // handles name the per-thread and legacy streams of the tensors' GPU, under the guard below.)
    int stream_device = -1;
    if (cudaError_t e = cudaStreamGetDevice(on_stream, &stream_device); e != cudaSuccess) {
      return failure(StatusCode::kInvalidArgument, core::concat(api, ": stream must be a live CUDA stream"), e);
    }
    if (stream_device != device) {
      return core::fail(StatusCode::kInvalidArgument, api, "stream must be on the GPU of the tensors",
                        core::concat("a stream of cuda:", device), core::concat("one of cuda:", stream_device));
    }
  }
  const DeviceGuard guard(device);
  if (guard.error() != cudaSuccess) return runtime_failure(failure("cudaSetDevice failed", guard.error()));
  if (!synchronous) return enqueue_launcher(api, launcher, on_stream, device);
  if (Status s = check_not_capturing(api, on_stream); !s.ok()) return s;
  NativeRecord* record = nullptr;
  if (Status s = native_record(device, record); !s.ok()) return runtime_failure(s);
  Status launched;
  {
    const std::lock_guard<std::mutex> lock(enqueue_mutex());  // the two kernels stay adjacent
    launched = launcher({on_stream, record->record, record->multiprocessors});
    // Collected even when a launch was refused: a check kernel that did run may have claimed a
    // fault, which must not be reported by this thread's next call.
    if (Status s = enqueue_collect(record->record, record->readback, on_stream); !s.ok()) {
      return runtime_failure(s);
    }
  }
  if (cudaError_t e = cudaStreamSynchronize(on_stream); e != cudaSuccess) {
    return runtime_failure(failure("cudaStreamSynchronize failed", e));
  }
  if (!launched.ok()) return launched;
  return collected_fault(*record->readback);
}

}  // namespace

Status run_on_gpu_stream(const core::Plan& plan, int32_t device, void* stream, bool synchronous) {
  return run_launcher(plan.api, [&plan](const LaunchTarget& target) { return launch(plan, target); }, device, stream,
                      synchronous);
}

Status run_post_update_on_gpu(const variants::PostUpdatePlan& plan, int32_t device, void* stream, bool synchronous) {
  return run_launcher("advstep::post_update",
                      [&plan](const LaunchTarget& target) { return launch_post_update(plan, target); }, device,
                      stream, synchronous);
}

}  // namespace advstep::cuda
