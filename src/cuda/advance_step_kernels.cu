// advance_step on NVIDIA GPUs: the work items of cuda/work_items.hpp (the row formula of
// core/row.hpp), walked by CUDA threads.
//
// Like the CPU loop, every launch checks all rows before it writes any, so a fault leaves every
// tensor as it was; the smallest fault key found is the fault the CPU would report.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <variant>

#include "core/row.hpp"
#include "core/step_views.hpp"
#include "cuda/cuda_status.hpp"
#include "cuda/fault_protocol.hpp"
#include "cuda/fault_record.hpp"
#include "cuda/launch.hpp"
#include "cuda/work_items.hpp"

namespace advstep::cuda {
namespace {

constexpr int32_t kFusedThreads = 1024;
constexpr int64_t kFusedItems = 4096;  ///< up to this many rows (cells) run as one single-block launch
constexpr int32_t kThreads = 256;

// ---- kernels --------------------------------------------------------------------------------------

/// Keeps @p fault for the host unless an earlier one is still unread (the first fault is reported,
/// later ones are counted with it), published by the protocol of cuda/fault_protocol.hpp.
__device__ void keep_fault(FaultRecord* record, const RowFault& fault, const FaultContext& context) {
  publish_fault<DeviceAtomics>(record, fault, context);
}

/// Small plans in one launch: the block checks every row, agrees on the smallest fault key, and
/// then either writes every row or keeps the fault.
template <typename Work>
__global__ void __launch_bounds__(kFusedThreads) fused_kernel(const Work work, FaultRecord* record,
                                                              const FaultContext context) {
  __shared__ unsigned long long first_key;
  if (threadIdx.x == 0) first_key = kNoFault;
  __syncthreads();
  const int64_t checks = work.check_count();
  for (int64_t k = threadIdx.x; k < checks; k += blockDim.x) {
    const unsigned long long key = work.check(k);
    if (key != kNoFault) {
      atomicMin(&first_key, key);
      break;  // this thread's later items have larger keys
    }
  }
  __syncthreads();
  const unsigned long long key = first_key;
  if (key != kNoFault) {
    if (threadIdx.x == 0) keep_fault(record, work.fault_at(key), context);
    return;
  }
  const int64_t writes = work.write_count();
  for (int64_t k = threadIdx.x; k < writes; k += blockDim.x) work.write(k);
}

/// Pass 1 of large plans: the smallest fault key of all rows. The last block to finish publishes it
/// as the verdict for pass 2, keeps the fault, and restores the record's scratch fields.
template <typename Work>
__global__ void __launch_bounds__(kThreads) check_kernel(const Work work, FaultRecord* record,
                                                         const FaultContext context) {
  const int64_t checks = work.check_count();
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < checks; k += stride) {
    const unsigned long long key = work.check(k);
    if (key != kNoFault) {
      atomicMin(&record->launch_key, key);
      __threadfence();  // visible device-wide before this thread reaches the barrier below
      break;
    }
  }
  __shared__ bool last_block;
  __syncthreads();
  if (threadIdx.x == 0) {
    __threadfence();  // the block's keys are in place before the block is counted
    last_block = atomicAdd(&record->blocks_done, 1u) == gridDim.x - 1;
  }
  __syncthreads();
  if (!last_block || threadIdx.x != 0) return;
  __threadfence();  // every block has been counted, so every block's keys are visible
  const unsigned long long key = atomicExch(&record->launch_key, kNoFault);
  record->blocks_done = 0;
  record->verdict = key;
  if (key != kNoFault) keep_fault(record, work.fault_at(key), context);
}

/// Pass 2 of large plans: writes every row, unless pass 1 found a fault.
template <typename Work>
__global__ void __launch_bounds__(kThreads) write_kernel(const Work work, const FaultRecord* record) {
  if (record->verdict != kNoFault) return;
  const int64_t writes = work.write_count();
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < writes; k += stride) {
    work.write(k);
  }
}

// ---- host side ------------------------------------------------------------------------------------

Status launched(const core::Plan& plan, const char* kernel, cudaError_t error) {
  if (error == cudaSuccess) return {};
  return failure(StatusCode::kRuntimeError, std::string(plan.api) + ": the " + kernel + " kernel could not be launched",
                 error);
}

/// How many blocks of @p kernel (kThreads each) an SM holds at once, from its registers and shared
/// memory as compiled (not an assumed 32 registers a thread). Asked once per kernel: one process
/// drives GPUs of one architecture.
template <auto Kernel>
int32_t resident_blocks() {
  static const int32_t blocks = [] {
    int per_sm = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, Kernel, kThreads, 0) != cudaSuccess || per_sm < 1) {
      (void)cudaGetLastError();
      return 1;
    }
    return per_sm;
  }();
  return blocks;
}

/// One thread per item, capped at @p max_blocks: the kernels stride over the rest.
unsigned int grid_for(int64_t items, int32_t max_blocks) {
  const int64_t needed = (items + kThreads - 1) / kThreads;
  return static_cast<unsigned int>(std::clamp<int64_t>(needed, 1, std::max<int32_t>(max_blocks, 1)));
}

template <typename Work>
Status launch_work(const core::Plan& plan, const Work& work, const LaunchTarget& target) {
  const FaultContext context = fault_context(plan);
  cudaLaunchConfig_t config{};
  config.stream = target.stream;
  const int64_t writes = work.write_count();  // >= check_count()
  if (writes <= kFusedItems) {
    const int64_t threads = std::min<int64_t>(kFusedThreads, (writes + 31) / 32 * 32);
    config.gridDim = dim3(1);
    config.blockDim = dim3(static_cast<unsigned int>(threads));
    return launched(plan, "single-block", cudaLaunchKernelEx(&config, fused_kernel<Work>, work, target.record, context));
  }
  config.blockDim = dim3(kThreads);
  // The grid the SMs hold at once: more blocks would only queue behind them.
  config.gridDim = dim3(grid_for(work.check_count(), target.multiprocessors * resident_blocks<check_kernel<Work>>()));
  if (Status s = launched(plan, "check", cudaLaunchKernelEx(&config, check_kernel<Work>, work, target.record, context));
      !s.ok()) {
    return s;
  }
  config.gridDim = dim3(grid_for(writes, target.multiprocessors * resident_blocks<write_kernel<Work>>()));
  const FaultRecord* record = target.record;
  return launched(plan, "write", cudaLaunchKernelEx(&config, write_kernel<Work>, work, record));
}

}  // namespace

cudaError_t probe_kernel_image() {
  // One kernel stands for all: nvcc puts every kernel of the file in the same images.
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, fused_kernel<PlainWork<core::VllmFormula, int64_t, int64_t>>);
}

Status launch(const core::Plan& plan, const LaunchTarget& target) {
  return std::visit(
      core::Overloaded{
          [&](const variants::DecodeShape& shape) {
            return core::with_formula(plan, [&]<typename Formula, typename SeqLen, typename Block>() -> Status {
              const PlainWork<Formula, SeqLen, Block> work{core::plain_step<SeqLen, Block>(plan, shape)};
              return launch_work(plan, work, target);
            });
          },
          [&](const variants::SpeculativeShape& shape) {
            return core::with_formula(plan, [&]<typename Formula, typename SeqLen, typename Block>() -> Status {
              const SpeculativeWork<Formula, SeqLen, Block> work{core::speculative_step<SeqLen, Block>(plan, shape),
                                                                 core::Divider(shape.spec_num + 1)};
              return launch_work(plan, work, target);
            });
          },
          [&](const variants::FlashInferShape& shape) { return launch_flashinfer(plan, shape, target); },
      },
      plan.shape);
}

}  // namespace advstep::cuda
