// The FlashInfer step on NVIDIA GPUs: the row functions of flashinfer_row.hpp walked by one thread
// block, with the prefix sum of the pages from CUB's BlockScan (the toolkit's own; vLLM's kernel
// summed in O(N^2)).
//
// One block of kThreads threads strides over the rows three times: it checks every row (the
// smallest faulty row is the fault the CPU reports), then scans the page counts for the bounds of
// paged_kv_indptr and paged_kv_indices, and only then writes. So a fault writes nothing, and each
// row is read and written by the one thread that owns it (sampled_token_ids may be input_tokens).
// It allocates nothing and never synchronises: capturable in a CUDA graph like the other kernels.
#include <cuda_runtime.h>
#include <cub/block/block_scan.cuh>

#include <string>

#include "cuda/cuda_status.hpp"
#include "cuda/fault_protocol.hpp"
#include "cuda/fault_record.hpp"
#include "cuda/launch.hpp"
#include "variants/flashinfer/flashinfer_plan.hpp"

namespace advstep::cuda {
namespace {

// 256 threads leave each thread up to 255 registers: at 1024 (64 registers each) the row functions
// of the int64 instantiations spilled to local memory (the compile-only check refuses spills).
constexpr int32_t kThreads = 256;

template <typename SeqLen, typename Block>
__global__ void __launch_bounds__(kThreads)
    flashinfer_kernel(const core::FlashInferRows<SeqLen, Block> step, FaultRecord* record, const FaultContext context) {
  using Scan = cub::BlockScan<int64_t, kThreads>;
  __shared__ typename Scan::TempStorage scan_storage;
  __shared__ unsigned long long first_key;
  __shared__ int64_t carry;  // pages of the chunks scanned so far
  __shared__ core::RowFault prefix_fault;
  if (threadIdx.x == 0) {
    first_key = kNoFault;
    carry = 0;
  }
  __syncthreads();
  const int64_t queries = step.decode.num_queries;

  // 1. Every row's own checks.
  for (int64_t q = threadIdx.x; q < queries; q += blockDim.x) {
    core::FlashInferRow row{};
    if (!core::flashinfer_row(step, q, row).ok()) {
      atomicMin(&first_key, static_cast<unsigned long long>(q));
      break;  // this thread's later rows have larger keys
    }
  }
  __syncthreads();
  if (first_key != kNoFault) {
    if (threadIdx.x == 0) {
      core::FlashInferRow row{};
      publish_fault<DeviceAtomics>(record, core::flashinfer_row(step, static_cast<int64_t>(first_key), row), context);
    }
    return;
  }

  // 2. The prefix sums, checked against paged_kv_indptr's dtype; they only grow, so the first row
  //    whose sum does not fit is the one the CPU reports.
  for (int64_t base = 0; base < queries; base += kThreads) {
    const int64_t q = base + threadIdx.x;
    int64_t pages = 0;
    core::FlashInferRow row{};
    if (q < queries) {
      (void)core::flashinfer_row(step, q, row);
      pages = row.pages;
    }
    int64_t inclusive = 0;
    int64_t chunk_total = 0;
    Scan(scan_storage).InclusiveSum(pages, inclusive, chunk_total);
    if (q < queries) {
      int64_t after = 0;
      const int64_t before = carry + inclusive - pages;
      const core::RowFault fault = core::next_indptr(step, q, before, pages, after);
      // Only the first row that overflows still starts from a sum that fits: one writer.
      if (!fault.ok() && before <= step.indptr.max()) {
        prefix_fault = fault;
        first_key = static_cast<unsigned long long>(q);
      }
    }
    __syncthreads();  // every thread has read carry and the scan storage
    if (threadIdx.x == 0) carry += chunk_total;
    __syncthreads();
    if (first_key != kNoFault) break;
  }
  if (first_key != kNoFault) {
    if (threadIdx.x == 0) publish_fault<DeviceAtomics>(record, prefix_fault, context);
    return;
  }
  const int64_t total = carry;
  if (const core::RowFault fault = core::indices_fit(step, total); !fault.ok()) {
    if (threadIdx.x == 0) publish_fault<DeviceAtomics>(record, fault, context);
    return;
  }
  __syncthreads();  // total read by all before carry is reused

  // 3. The writes: each row from values it alone reads and writes.
  if (threadIdx.x == 0) {
    step.indptr.store(0, 0);
    carry = 0;
  }
  __syncthreads();
  for (int64_t base = 0; base < queries; base += kThreads) {
    const int64_t q = base + threadIdx.x;
    core::FlashInferRow row{};
    int64_t pages = 0;
    if (q < queries) {
      (void)core::flashinfer_row(step, q, row);
      pages = row.pages;
    }
    int64_t exclusive = 0;
    int64_t chunk_total = 0;
    Scan(scan_storage).ExclusiveSum(pages, exclusive, chunk_total);
    if (q < queries) core::store_flashinfer_row(step, q, row, carry + exclusive);
    __syncthreads();
    if (threadIdx.x == 0) carry += chunk_total;
    __syncthreads();
  }
  for (int64_t t = queries + threadIdx.x; t < step.decode.num_seqs; t += blockDim.x) {
    core::store_flashinfer_padding(step, t, total);
  }
}

}  // namespace

Status launch_flashinfer(const core::Plan& plan, const variants::FlashInferShape& shape, const LaunchTarget& target) {
  return core::with_index_types(plan, [&]<typename SeqLen, typename Block>() -> Status {
    const core::FlashInferRows<SeqLen, Block> step = variants::flashinfer_rows<SeqLen, Block>(plan, shape);
    flashinfer_kernel<SeqLen, Block><<<1, kThreads, 0, target.stream>>>(step, target.record, fault_context(plan));
    if (const cudaError_t error = cudaGetLastError(); error != cudaSuccess) {
      return failure(StatusCode::kRuntimeError, std::string(plan.api) + ": the FlashInfer kernel could not be launched",
                     error);
    }
    return {};
  });
}

}  // namespace advstep::cuda
