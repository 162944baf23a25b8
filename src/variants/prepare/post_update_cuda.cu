// post_update on NVIDIA GPUs: the row functions of post_update_row.hpp (the very ones the CPU loop
// calls), walked by CUDA threads in four kernels on the caller's stream.
//
// 1. claims: every row that updates a state row lowers that row's claim to its b (atomicMin), in a
//    scratch array of Rmax entries, so a row whose claim is smaller than its own b repeats an
//    earlier row's r: F1's duplicate, as the CPU's increasing walk finds it.
// 2. check: every check gets a key in the spec's order (10.6): query_start_loc[0] (key 0), its
//    decreases (1 + b), then the rows (R + 1 + b, each row's classes in order inside the row
//    function); the smallest key of a fault is kept in the record.
// 3. verdict (one thread): hands that key to the write kernel and, for a fault, recomputes it from
//    its key and publishes it for the host (cuda/fault_protocol.hpp).
// 4. write: only when there was no fault, every row's writes.
// The scratch is stream-ordered memory (cudaMallocAsync, freed after the write kernel), so the
// launch never synchronises and can be captured into a CUDA graph.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "cuda/cuda_status.hpp"
#include "cuda/fault_protocol.hpp"
#include "cuda/fault_record.hpp"
#include "cuda/launch.hpp"
#include "variants/prepare/post_update_row.hpp"

namespace advstep::cuda {
namespace {

using variants::PostUpdateFault;
using variants::PostUpdatePlan;

constexpr int32_t kThreads = 256;

/// The first key of the rows: the global query_start_loc checks come before them.
__host__ __device__ int64_t first_row_key(const PostUpdatePlan& p) { return p.rows + 1; }

/// The smallest b whose row updates state row @p r (row @p b itself when @p r is outside the state).
__device__ int64_t first_row(const PostUpdatePlan& p, const unsigned long long* claims, int64_t b) {
  int64_t r = 0;
  if (!variants::updates_state_row(p, b, r)) return b;
  return static_cast<int64_t>(claims[r]);
}

__global__ void __launch_bounds__(kThreads) claim_kernel(const PostUpdatePlan p, unsigned long long* claims) {
  for (int64_t b = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; b < p.rows;
       b += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t r = 0;
    if (variants::updates_state_row(p, b, r)) atomicMin(&claims[r], static_cast<unsigned long long>(b));
  }
}

/// The fault of check @p key (kind none when it passes).
__device__ PostUpdateFault fault_at(const PostUpdatePlan& p, const unsigned long long* claims, int64_t key) {
  PostUpdateFault fault;
  if (key < first_row_key(p)) {
    if (!p.query_start_loc.given) return fault;
    if (key == 0) {
      if (p.query_start_loc.at(0) != 0) fault = variants::check_post_update_qsl(p);
      return fault;
    }
    const int64_t b = key - 1;
    if (p.query_start_loc.at(b + 1) < p.query_start_loc.at(b)) {
      fault.kind = variants::PostUpdateFaultKind::kQslDecreasing;
      fault.b = b;
      fault.value = p.query_start_loc.at(b);
      fault.extra = p.query_start_loc.at(b + 1);
    }
    return fault;
  }
  const int64_t b = key - first_row_key(p);
  return variants::check_post_update_row(p, b, first_row(p, claims, b));
}

__global__ void __launch_bounds__(kThreads)
    check_kernel(const PostUpdatePlan p, const unsigned long long* claims, FaultRecord* record) {
  const int64_t keys = first_row_key(p) + p.rows;
  for (int64_t key = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; key < keys;
       key += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (!fault_at(p, claims, key).ok()) {
      atomicMin(&record->launch_key, static_cast<unsigned long long>(key));
      break;  // this thread's later keys are larger
    }
  }
}

__global__ void verdict_kernel(const PostUpdatePlan p, const unsigned long long* claims, FaultRecord* record,
                               FaultContext context) {
  const unsigned long long key = record->launch_key;
  record->verdict = key;
  record->launch_key = kNoFault;  // restored for the record's next launch
  if (key == kNoFault) return;
  const PostUpdateFault fault = fault_at(p, claims, static_cast<int64_t>(key));
  core::RowFault packed;
  packed.kind = core::FaultKind::kPostUpdate;
  packed.sequence = fault.b;
  packed.column = fault.r;
  packed.value = fault.value;
  packed.extra = fault.extra;
  packed.row_start = fault.limit;
  context.spec_num = static_cast<int64_t>(fault.kind);
  context.block_size = fault.narrow;
  publish_fault<DeviceAtomics>(record, packed, context);
}

__global__ void __launch_bounds__(kThreads, 1) write_kernel(const PostUpdatePlan p, const FaultRecord* record) {
  if (record->verdict != kNoFault) return;
  for (int64_t b = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; b < p.rows;
       b += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    variants::write_post_update_row(p, b);
  }
}

/// Enough blocks for @p items, at most what the GPU holds at once (the kernels stride over the rest).
unsigned int blocks_for(int64_t items, int32_t multiprocessors) {
  const int64_t wanted = std::max<int64_t>(1, (items + kThreads - 1) / kThreads);
  return static_cast<unsigned int>(std::min<int64_t>(wanted, int64_t{8} * std::max(multiprocessors, 1)));
}

}  // namespace

Status launch_post_update(const PostUpdatePlan& plan, const LaunchTarget& target) {
  const auto refused = [](const char* what, cudaError_t error) {
    return failure(StatusCode::kRuntimeError, std::string("advstep::post_update: ") + what, error);
  };
  unsigned long long* claims = nullptr;
  const bool claimed = plan.rows > 0 && plan.state_rows > 0;
  if (claimed) {
    const size_t bytes = static_cast<size_t>(plan.state_rows) * sizeof(unsigned long long);
    if (cudaError_t e = cudaMallocAsync(reinterpret_cast<void**>(&claims), bytes, target.stream); e != cudaSuccess) {
      return refused("the duplicate-row scratch could not be allocated", e);
    }
    if (cudaError_t e = cudaMemsetAsync(claims, 0xff, bytes, target.stream); e != cudaSuccess) {
      (void)cudaFreeAsync(claims, target.stream);
      return refused("the duplicate-row scratch could not be cleared", e);
    }
    claim_kernel<<<blocks_for(plan.rows, target.multiprocessors), kThreads, 0, target.stream>>>(plan, claims);
  }
  const int64_t keys = first_row_key(plan) + plan.rows;
  check_kernel<<<blocks_for(keys, target.multiprocessors), kThreads, 0, target.stream>>>(plan, claims, target.record);
  verdict_kernel<<<1, 1, 0, target.stream>>>(plan, claims, target.record, post_update_fault_context());
  write_kernel<<<blocks_for(plan.rows, target.multiprocessors), kThreads, 0, target.stream>>>(plan, target.record);
  const cudaError_t launched = cudaGetLastError();
  if (claimed) (void)cudaFreeAsync(claims, target.stream);
  if (launched != cudaSuccess) return refused("the kernels could not be launched", launched);
  return {};
}

}  // namespace advstep::cuda
