// The collect kernel: reads and clears fault records for the host by the protocol of
// fault_protocol.hpp, so that launches and graph replays running meanwhile lose nothing.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda/fault_protocol.hpp"
#include "cuda/fault_record.hpp"

namespace advstep::cuda {
namespace {

constexpr unsigned int kCollectThreads = 64;

/// One thread per record; @p readback is mapped pinned memory.
__global__ void collect_kernel(FaultRecord* records, size_t count, FaultReport* readback) {
  const size_t k = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k < count) readback[k] = collect_fault<DeviceAtomics>(records + k);
}

}  // namespace

cudaError_t enqueue_fault_collect(FaultRecord* records, size_t count, FaultReport* readback, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  cudaLaunchConfig_t config{};
  config.gridDim = dim3(static_cast<unsigned int>((count + kCollectThreads - 1) / kCollectThreads));
  config.blockDim = dim3(kCollectThreads);
  config.stream = stream;
  // The launch's own status (not cudaGetLastError, which could return an earlier call's error).
  return cudaLaunchKernelEx(&config, collect_kernel, records, count, readback);
}

}  // namespace advstep::cuda
