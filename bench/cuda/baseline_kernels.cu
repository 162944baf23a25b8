#include "baseline_kernels.hpp"

namespace advstep::bench {
namespace {

constexpr int32_t kThreads = 256;

__global__ void empty_kernel() {}

/// One thread per query: token, position, length and slot in 32-bit arithmetic, as vLLM computes
/// them; block 0 also fills the padding rows.
__global__ void baseline_kernel(BaselineArgs args) {
  const int32_t padding = args.num_seqs - args.num_queries;
  if (padding > 0 && blockIdx.x == 0) {
    for (int32_t k = static_cast<int32_t>(threadIdx.x); k < padding; k += static_cast<int32_t>(blockDim.x)) {
      const int32_t row = args.num_queries + k;
      args.input_tokens[row] = 0;
      args.input_positions[row] = 0;
      args.slot_mapping[row] = -1;
    }
  }
  const int32_t query = static_cast<int32_t>(blockIdx.x) * kThreads + static_cast<int32_t>(threadIdx.x);
  if (query >= args.num_queries) return;
  args.input_tokens[query] = args.sampled_token_ids[query];
  const int32_t position = args.seq_lens[query];
  args.seq_lens[query] = position + 1;
  args.input_positions[query] = position;
  const int32_t* row = args.block_tables + args.block_tables_stride * query;
  const int32_t block = row[position / args.block_size];
  args.slot_mapping[query] = block * args.block_size + position % args.block_size;
}

}  // namespace

cudaError_t launch_empty(cudaStream_t stream) {
  empty_kernel<<<1, 1, 0, stream>>>();
  return cudaGetLastError();
}

cudaError_t launch_baseline(const BaselineArgs& args, cudaStream_t stream) {
  const int32_t blocks = (args.num_queries + kThreads - 1) / kThreads;
  baseline_kernel<<<blocks, kThreads, 0, stream>>>(args);
  return cudaGetLastError();
}

}  // namespace advstep::bench
