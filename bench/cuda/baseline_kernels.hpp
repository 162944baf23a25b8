// The comparison kernels of the GPU benchmark: an empty launch, and a baseline written the way vLLM's
// advance_step_flashattn kernel is (one thread per query, 256 threads per block, int32 seq_lens and
// block tables, no checks).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace advstep::bench {

/// The baseline's arguments, as vLLM's op takes them.
struct BaselineArgs {
  int32_t num_seqs;
  int32_t num_queries;
  int32_t block_size;
  int64_t* input_tokens;
  const int64_t* sampled_token_ids;
  int64_t* input_positions;
  int32_t* seq_lens;
  int64_t* slot_mapping;
  const int32_t* block_tables;
  int64_t block_tables_stride;
};

/// An empty kernel, one block of one thread.
cudaError_t launch_empty(cudaStream_t stream);

/// The baseline on ceil(num_queries / 256) blocks of 256 threads. vLLM launches one block per SM,
/// which leaves queries past SMs * 256 untouched; here every query gets its thread.
cudaError_t launch_baseline(const BaselineArgs& args, cudaStream_t stream);

}  // namespace advstep::bench
