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

__global__ void record_kernel(const __grid_constant__ PreparePlan plan, Verdict* verdict) {
  if (verdict->key != kNoFault) verdict->fault = check_item(plan, static_cast<int64_t>(verdict->key));
}

__global__ void __launch_bounds__(kThreads) write_kernel(const __grid_constant__ PreparePlan plan, const Verdict* verdict) {
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

const char* api_of(const PreparePlan& plan) {
  return plan.advance() ? "advstep::advance_drafts" : "advstep::prepare_inputs";
}

}  // namespace

Status run_prepare_on_gpu(const PreparePlan& plan, void* stream) {
  const auto on_stream = static_cast<cudaStream_t>(stream);
  const std::string api = api_of(plan);
  const auto refused = [&](const char* what, cudaError_t error) {
    return cuda::failure(StatusCode::kRuntimeError, api + ": " + what, error);
  };
  Verdict* verdict = nullptr;
  if (cudaError_t e = cudaMallocAsync(reinterpret_cast<void**>(&verdict), sizeof(Verdict), on_stream);
      e != cudaSuccess) {
    return refused("cudaMallocAsync of the verdict failed", e);
  }
  Verdict host{};
  cudaError_t error = cudaMemsetAsync(&verdict->key, 0xff, sizeof(verdict->key), on_stream);
  if (error == cudaSuccess) {
    check_kernel<<<blocks_for(check_item_count(plan)), kThreads, 0, on_stream>>>(plan, verdict);
    record_kernel<<<1, 1, 0, on_stream>>>(plan, verdict);
    write_kernel<<<blocks_for(write_item_count(plan)), kThreads, 0, on_stream>>>(plan, verdict);
    error = cudaGetLastError();
  }
  if (error == cudaSuccess) error = cudaMemcpyAsync(&host, verdict, sizeof(Verdict), cudaMemcpyDeviceToHost, on_stream);
  const cudaError_t freed = cudaFreeAsync(verdict, on_stream);
  const cudaError_t synced = cudaStreamSynchronize(on_stream);
  if (error != cudaSuccess) return refused("the prepare-step kernels could not run", error);
  if (freed != cudaSuccess) return refused("cudaFreeAsync of the verdict failed", freed);
  if (synced != cudaSuccess) return refused("cudaStreamSynchronize failed", synced);
  if (host.key != kNoFault) return {StatusCode::kDataFault, describe_fault(plan, host.fault)};
  return {};
}

}  // namespace advstep::variants

namespace advstep::cuda {

Status run_prepare_on_gpu_stream(const variants::PreparePlan& plan, int32_t device, void* stream, bool synchronous) {
  const char* api = plan.advance() ? "advstep::advance_drafts" : "advstep::prepare_inputs";
  if (!synchronous) {
    return core::fail(StatusCode::kInvalidArgument, api,
                      "the enqueued form on CUDA tensors is not available for the prepare step yet; use the "
                      "synchronous form",
                      "host tensors or the synchronous form", "CUDA tensors");
  }
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
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(on_stream, &capture) != cudaSuccess || capture != cudaStreamCaptureStatusNone) {
    (void)cudaGetLastError();
    return core::fail(StatusCode::kInvalidArgument, api,
                      "the synchronous form waits for its stream, so it cannot run while the stream is captured",
                      "a stream not being captured", "one being captured");
  }
  const DeviceGuard guard(device);
  if (guard.error() != cudaSuccess) return failure(StatusCode::kRuntimeError, "cudaSetDevice failed", guard.error());
  return variants::run_prepare_on_gpu(plan, stream);
}

}  // namespace advstep::cuda
