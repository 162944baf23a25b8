#include "cuda/native_enqueued.hpp"

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cuda/cuda_queue.hpp"
#include "cuda/cuda_status.hpp"
#include "cuda/launch.hpp"
#include "cuda/plugin_functions.hpp"
#include "cuda/record_pool.hpp"
#include "variants/prepare/prepare_cuda.hpp"

namespace advstep::cuda {
namespace {

/// The enqueued form's records on one GPU. Never freed: a captured record may be replayed by a graph
/// at any time, and a stream's record may still be used by its launches in flight.
struct GpuRecords {
  bool ready = false;
  int32_t multiprocessors = 1;
  /// The eager launches' record of each stream, by cudaStreamGetId, not by handle: the per-thread
  /// default stream is one handle (cudaStreamPerThread) for a different stream in every thread, and
  /// a destroyed stream's handle may come back for a new stream. Ids are never reused, and CUDA says
  /// nothing when a stream ends, so a record per stream ever used remains (216 bytes, from chunks
  /// of 64: one allocation and one collect kernel per 64 streams).
  std::unordered_map<unsigned long long, FaultRecord*> streams;
  RecordPool stream_pool;
  RecordPool captured;
  /// One check at a time collects this GPU's records (their read-backs are shared); taken before
  /// enqueue_mutex(), never while holding it.
  std::mutex check_mutex;
};

/// Guarded by enqueue_mutex() (but check_mutex). A GPU's entry never moves once made.
GpuRecords& gpu_records(int32_t device) {
  static std::map<int32_t, GpuRecords> all;
  return all[device];
}

/// The record of the stream @p stream names for the calling thread (on the current GPU). @p lock
/// holds enqueue_mutex(); the pool may release it while it allocates a chunk.
Status stream_record(GpuRecords& gpu, cudaStream_t stream, std::unique_lock<std::mutex>& lock,
                     FaultRecord*& record) {
  unsigned long long id = 0;
  if (cudaError_t e = cudaStreamGetId(stream, &id); e != cudaSuccess) {
    return failure(StatusCode::kRuntimeError, "cudaStreamGetId failed", e);
  }
  if (const auto known = gpu.streams.find(id); known != gpu.streams.end()) {
    record = known->second;
    return {};
  }
  FaultRecord* fresh = nullptr;
  if (Status s = gpu.stream_pool.take(lock, fresh); !s.ok()) return {s.code(), "the stream's " + s.message()};
  // Another thread launching on the same stream may have added one while the lock was released: the
  // first added stays (the other is never used; the pool keeps it).
  record = gpu.streams.emplace(id, fresh).first->second;
  return {};
}

/// Whether @p stream is being captured (the legacy default stream never is).
Status capturing(cudaStream_t stream, bool& active) {
  active = false;
  if (stream == nullptr || stream == cudaStreamLegacy) return {};
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  if (cudaError_t e = cudaStreamIsCapturing(stream, &status); e != cudaSuccess) {
    return failure(StatusCode::kRuntimeError, "cudaStreamIsCapturing failed", e);
  }
  active = status == cudaStreamCaptureStatusActive;
  return {};
}

}  // namespace

Status enqueue_on_gpu_stream(const core::Plan& plan, cudaStream_t stream, int32_t device) {
  return enqueue_launcher(plan.api, [&plan](const LaunchTarget& target) { return launch(plan, target); }, stream,
                          device);
}

Status enqueue_launcher(const char* api, const Launcher& launcher, cudaStream_t stream, int32_t device) {
  const auto runtime_failure = [&](const Status& status) {
    return Status(StatusCode::kRuntimeError, std::string(api) + ": " + status.message());
  };
  // Also keeps the two kernels of a launch adjacent (see enqueue_mutex()).
  std::unique_lock<std::mutex> lock(enqueue_mutex());
  GpuRecords& gpu = gpu_records(device);
  if (!gpu.ready) {
    int sms = 0;
    if (cudaError_t e = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device); e != cudaSuccess) {
      return runtime_failure(failure(StatusCode::kRuntimeError, "cudaDeviceGetAttribute failed", e));
    }
    gpu.multiprocessors = sms;
    gpu.ready = true;
  }
  bool active = false;
  if (Status s = capturing(stream, active); !s.ok()) return runtime_failure(s);
  FaultRecord* record = nullptr;
  // Either may release the lock while it allocates, before anything of this launch is enqueued.
  if (Status s = active ? gpu.captured.take(lock, record) : stream_record(gpu, stream, lock, record); !s.ok()) {
    return runtime_failure(s);
  }
  return launcher({stream, record, gpu.multiprocessors});
}

// Waits for GPU @p device (cudaDeviceSynchronize), then collects (reads and clears) every record of
// the enqueued form on it: the first fault (kDataFault, the CPU's message, later faulting launches
// counted), or ok. A launch or replay that runs while it does is reported by this check or a later
// one, once (never cleared unread: see fault_protocol.hpp).
Status check_gpu_faults(int32_t device) {
  constexpr const char* kApi = "advstep::check_cuda_faults: ";
  const DeviceGuard guard(device);
  if (guard.error() != cudaSuccess) return failure(StatusCode::kRuntimeError, std::string(kApi) + "cudaSetDevice failed", guard.error());
  if (cudaError_t e = cudaDeviceSynchronize(); e != cudaSuccess) {
    return failure(StatusCode::kRuntimeError, std::string(kApi) + "cudaDeviceSynchronize failed", e);
  }
  GpuRecords* gpu = nullptr;
  {
    const std::lock_guard<std::mutex> lock(enqueue_mutex());
    gpu = &gpu_records(device);
    if (gpu->stream_pool.empty() && gpu->captured.empty()) {  // no advance_step launched on this GPU yet
      return variants::collect_prepare_fault(device);
    }
  }
  const std::lock_guard<std::mutex> checking(gpu->check_mutex);
  // A stream of the check's own, so that no caller's stream (capturing or not) sees the collect.
  // Launches and replays may start between the synchronisation and the collect: the collect's
  // protocol (fault_protocol.hpp) takes a fault of theirs only once it is published, and clears
  // nothing it did not take, so such a fault is reported by this check or a later one, once.
  cudaStream_t side = nullptr;
  cudaError_t error = cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
  std::vector<CollectedReports> collected;
  Status enqueued;
  if (error == cudaSuccess) {
    // Enqueued under the lock (the lists of records, which launches extend), waited for without it.
    const std::lock_guard<std::mutex> lock(enqueue_mutex());
    enqueued = gpu->stream_pool.enqueue_collect(side, collected);
    if (enqueued.ok()) enqueued = gpu->captured.enqueue_collect(side, collected);
  }
  if (error == cudaSuccess && enqueued.ok()) error = cudaStreamSynchronize(side);
  if (side != nullptr) (void)cudaStreamDestroy(side);
  if (error != cudaSuccess) {
    return failure(StatusCode::kRuntimeError, std::string(kApi) + "reading the fault records failed", error);
  }
  if (!enqueued.ok()) return {enqueued.code(), kApi + enqueued.message()};
  FaultReport report{};
  merge_collected(collected, report);
  // advance_step's fault first; the prepare step's (its own slot) is then left for the next check.
  if (Status s = collected_fault(report); !s.ok()) return s;
  return variants::collect_prepare_fault(device);
}

}  // namespace advstep::cuda
