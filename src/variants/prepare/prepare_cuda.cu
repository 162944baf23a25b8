// The prepare step (prepare_inputs and advance_drafts) on NVIDIA GPUs: the check and write items of
// prepare_walk.hpp, the very functions the host loop runs, spread over a grid.
//
// Three kernels on one stream: the check kernel runs every check item and reduces the keys of the
// faulting ones to the smallest (atomicMin: the spec's order, 10.6, is the items' order, so the GPU
// reports the fault the CPU reports); the record kernel runs that one item again and keeps its fault;
// the write kernel writes only when no item faulted, so a fault writes nothing. Each row is read and
// written by the one thread that owns it, so the in-place pairs read each element before writing it.
// Nothing is allocated but the small verdict, nothing synchronises but the synchronous form's wait.
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <string>

#include "core/message.hpp"
#include "cuda/cuda_status.hpp"
#include "cuda/plugin_functions.hpp"
#include "variants/prepare/prepare_cuda.hpp"
#include "variants/prepare/prepare_walk.hpp"

namespace advstep::variants {
namespace {

constexpr int32_t kThreads = 256;
constexpr unsigned long long kNoFault = ~0ull;

/// The outcome of one launch: the smallest faulting check item and its fault.
struct Verdict {
  unsigned long long key;
  PrepareFault fault;
};

__global__ void __launch_bounds__(kThreads) check_kernel(const __grid_constant__ PreparePlan plan, Verdict* verdict) {
  const int64_t items = check_item_count(plan);
  for (int64_t key = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; key < items;
       key += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (static_cast<unsigned long long>(key) >= verdict->key) break;  // an earlier item already faulted
    if (!check_item(plan, key).ok()) {
      atomicMin(&verdict->key, static_cast<unsigned long long>(key));
      break;  // this thread's later items have larger keys
    }
  }
}

/// Keeps the launch's fault: in the verdict (the synchronous form reads it back), or, for the enqueued
/// form, in the GPU's slot unless an unread fault is there already (then it is only counted).
__global__ void record_kernel(const __grid_constant__ PreparePlan plan, Verdict* verdict, PrepareSlot* slot) {
  if (verdict->key == kNoFault) return;
  const PrepareFault fault = check_item(plan, static_cast<int64_t>(verdict->key));
  if (slot == nullptr) {
    verdict->fault = fault;
    return;
  }
  if (atomicAdd(&slot->faults, 1u) != 0u) return;
  slot->fault = fault;
  slot->plan = plan;
  __threadfence();  // the fault is visible before the flag that says so
  atomicExch(&slot->published, 1u);
}

__global__ void __launch_bounds__(kThreads)
    write_kernel(const __grid_constant__ PreparePlan plan, const Verdict* verdict) {
  if (verdict->key != kNoFault) return;
  const int64_t items = write_item_count(plan);
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < items;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    write_item(plan, i);
  }
}

unsigned int blocks_for(int64_t items) {
  const int64_t blocks = (items + kThreads - 1) / kThreads;
  return static_cast<unsigned int>(blocks < 1 ? 1 : (blocks > 1024 ? 1024 : blocks));
}

/// Enqueues the three kernels of @p plan on @p stream with a verdict of its own (stream-ordered
/// memory, so concurrent launches and graph replays never share one).
cudaError_t enqueue_kernels(const PreparePlan& plan, cudaStream_t stream, PrepareSlot* slot, Verdict* host) {
  Verdict* verdict = nullptr;
  if (cudaError_t e = cudaMallocAsync(reinterpret_cast<void**>(&verdict), sizeof(Verdict), stream); e != cudaSuccess) {
    return e;
  }
  cudaError_t error = cudaMemsetAsync(&verdict->key, 0xff, sizeof(verdict->key), stream);
  if (error == cudaSuccess) {
    check_kernel<<<blocks_for(check_item_count(plan)), kThreads, 0, stream>>>(plan, verdict);
    record_kernel<<<1, 1, 0, stream>>>(plan, verdict, slot);
    write_kernel<<<blocks_for(write_item_count(plan)), kThreads, 0, stream>>>(plan, verdict);
    error = cudaGetLastError();
  }
  if (error == cudaSuccess && host != nullptr) {
    error = cudaMemcpyAsync(host, verdict, sizeof(Verdict), cudaMemcpyDeviceToHost, stream);
  }
  const cudaError_t freed = cudaFreeAsync(verdict, stream);
  return error != cudaSuccess ? error : freed;
}

const char* api_of(const PreparePlan& plan) {
  return plan.advance() ? "advstep::advance_drafts" : "advstep::prepare_inputs";
}

}  // namespace

Status run_prepare_on_gpu(const PreparePlan& plan, void* stream) {
  const auto on_stream = static_cast<cudaStream_t>(stream);
  Verdict host{};
  const cudaError_t error = enqueue_kernels(plan, on_stream, nullptr, &host);
  const cudaError_t synced = cudaStreamSynchronize(on_stream);
  const std::string api = api_of(plan);
  if (error != cudaSuccess) return cuda::failure(StatusCode::kRuntimeError, api + ": the kernels could not run", error);
  if (synced != cudaSuccess)
    return cuda::failure(StatusCode::kRuntimeError, api + ": cudaStreamSynchronize failed", synced);
  if (host.key != kNoFault) return {StatusCode::kDataFault, describe_fault(plan, host.fault)};
  return {};
}

namespace {

/// Each GPU's slot, made at its first enqueued launch; never freed (a graph may replay at any time).
struct Slots {
  std::mutex mutex;
  std::map<int32_t, PrepareSlot*> by_device;
};

Slots& all_slots() {
  static Slots slots;
  return slots;
}

}  // namespace

Status prepare_slot(int32_t device, PrepareSlot*& slot) {
  Slots& all = all_slots();
  const std::lock_guard<std::mutex> lock(all.mutex);
  std::map<int32_t, PrepareSlot*>& slots = all.by_device;
  if (const auto found = slots.find(device); found != slots.end()) {
    slot = found->second;
    return {};
  }
  PrepareSlot* fresh = nullptr;
  if (cudaError_t e = cudaMalloc(reinterpret_cast<void**>(&fresh), sizeof(PrepareSlot)); e != cudaSuccess) {
    return cuda::failure(StatusCode::kRuntimeError, "the prepare step's fault slot: cudaMalloc failed", e);
  }
  // Zeroed on a stream of its own: nothing on the legacy stream, which would break a capture elsewhere.
  cudaStream_t side = nullptr;
  cudaError_t error = cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
  if (error == cudaSuccess) error = cudaMemsetAsync(fresh, 0, sizeof(PrepareSlot), side);
  if (error == cudaSuccess) error = cudaStreamSynchronize(side);
  if (side != nullptr) (void)cudaStreamDestroy(side);
  if (error != cudaSuccess) {
    (void)cudaFree(fresh);
    return cuda::failure(StatusCode::kRuntimeError, "the prepare step's fault slot could not be zeroed", error);
  }
  slot = slots.emplace(device, fresh).first->second;
  return {};
}

Status collect_prepare_fault(int32_t device) {
  PrepareSlot* slot = nullptr;
  {
    Slots& all = all_slots();
    const std::lock_guard<std::mutex> lock(all.mutex);
    const auto found = all.by_device.find(device);
    if (found == all.by_device.end()) return {};  // the enqueued form never ran on this GPU
    slot = found->second;
  }
  PrepareSlot host{};
  cudaStream_t side = nullptr;
  cudaError_t error = cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
  if (error == cudaSuccess) error = cudaMemcpyAsync(&host, slot, sizeof(PrepareSlot), cudaMemcpyDeviceToHost, side);
  if (error == cudaSuccess) error = cudaStreamSynchronize(side);
  if (error == cudaSuccess && host.published != 0u) error = cudaMemsetAsync(slot, 0, sizeof(unsigned int) * 2, side);
  if (error == cudaSuccess) error = cudaStreamSynchronize(side);
  if (side != nullptr) (void)cudaStreamDestroy(side);
  if (error != cudaSuccess) {
    return cuda::failure(StatusCode::kRuntimeError,
                         "advstep::check_cuda_faults: reading the prepare step's fault failed", error);
  }
  if (host.published == 0u) return {};
  std::string message = describe_fault(host.plan, host.fault);
  if (host.faults > 1u)
    message += core::concat(" (", host.faults - 1u, " later launch(es) also faulted and wrote nothing)");
  return {StatusCode::kDataFault, message};
}

Status enqueue_prepare_on_gpu(const PreparePlan& plan, void* stream, PrepareSlot* slot) {
  if (const cudaError_t error = enqueue_kernels(plan, static_cast<cudaStream_t>(stream), slot, nullptr);
      error != cudaSuccess) {
    return cuda::failure(StatusCode::kRuntimeError, std::string(api_of(plan)) + ": the kernels could not be enqueued",
                         error);
  }
  return {};
}

}  // namespace advstep::variants

namespace advstep::cuda {

Status run_prepare_on_gpu_stream(const variants::PreparePlan& plan, int32_t device, void* stream, bool synchronous) {
  const char* api = plan.advance() ? "advstep::advance_drafts" : "advstep::prepare_inputs";
  const auto on_stream = static_cast<cudaStream_t>(stream);
  if (on_stream != nullptr && on_stream != cudaStreamLegacy && on_stream != cudaStreamPerThread) {
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
  if (guard.error() != cudaSuccess) return failure(StatusCode::kRuntimeError, "cudaSetDevice failed", guard.error());
  if (!synchronous) {
    variants::PrepareSlot* slot = nullptr;
    if (Status s = variants::prepare_slot(device, slot); !s.ok()) return s;
    return variants::enqueue_prepare_on_gpu(plan, stream, slot);
  }
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(on_stream, &capture) != cudaSuccess || capture != cudaStreamCaptureStatusNone) {
    (void)cudaGetLastError();
    return core::fail(StatusCode::kInvalidArgument, api,
                      "the synchronous form waits for its stream, so it cannot run while the stream is captured",
                      "a stream not being captured", "one being captured");
  }
  return variants::run_prepare_on_gpu(plan, stream);
}

}  // namespace advstep::cuda
