// The native C++ API: vLLM's contract over host memory, int32 seq_lens and block tables.
#include <cstdint>
#include <cstdio>
#include <vector>

#include "advstep/advance_step.hpp"

int main() {
  const int64_t num_seqs = 4;  // the last one is CUDA-graph padding
  const int64_t num_queries = 3;
  const int64_t block_size = 16;
  std::vector<int64_t> input_tokens(num_seqs, 0);
  std::vector<int64_t> sampled_token_ids = {101, 102, 103};
  std::vector<int64_t> input_positions(num_seqs, 0);
  std::vector<int32_t> seq_lens = {5, 16, 40, 7};
  std::vector<int64_t> slot_mapping(num_seqs, 0);
  std::vector<int32_t> block_tables = {7, 8, 0,  // three blocks per sequence
                                       3, 9, 0,
                                       4, 5, 6,
                                       1, 2, 0};
  try {
    advstep::advance_step(advstep::DecodeStep{
        .input_tokens = advstep::view(input_tokens.data(), {num_seqs}),
        .sampled_token_ids = advstep::view(sampled_token_ids.data(), {num_queries, 1}),
        .input_positions = advstep::view(input_positions.data(), {num_seqs}),
        .seq_lens = advstep::view(seq_lens.data(), {num_seqs}),
        .slot_mapping = advstep::view(slot_mapping.data(), {num_seqs}),
        .block_tables = advstep::view(block_tables.data(), {num_seqs, 3}),
        .num_seqs = num_seqs,
        .num_queries = num_queries,
        .block_size = block_size,
    });
  } catch (const advstep::Error& error) {
    std::fprintf(stderr, "advance_step failed (%d): %s\n", static_cast<int>(error.code()), error.what());
    return 1;
  }
  for (int64_t i = 0; i < num_seqs; ++i) {
    std::printf("seq %lld: token %lld position %lld seq_len %d slot %lld\n", static_cast<long long>(i),
                static_cast<long long>(input_tokens[i]), static_cast<long long>(input_positions[i]), seq_lens[i],
                static_cast<long long>(slot_mapping[i]));
  }
  return 0;
}
