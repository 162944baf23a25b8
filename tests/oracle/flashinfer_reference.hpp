// The independent oracle of the FlashInfer step (spec section 9): plain loops over plain vectors,
// 128-bit arithmetic for every bound, sharing nothing with the library's kernels.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace advstep::oracle {

/// One FlashInfer call's inputs; every tensor held as int64 values with the dtype it is given in.
struct FlashInferInputs {
  int64_t num_seqs = 0;
  int64_t num_queries = 0;
  int64_t block_size = 1;
  int64_t table_width = 1;         ///< W
  bool sampled_is_tokens = false;  ///< sampled_token_ids passed as input_tokens itself ([N])
  std::vector<int64_t> input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping, block_tables;
  std::vector<int64_t> paged_kv_indices, paged_kv_indptr, paged_kv_last_page_len, block_table_bound;
  bool seq_lens_32 = false, block_tables_32 = false, sampled_32 = false;
  bool indices_32 = false, indptr_32 = false, last_page_len_32 = false, bound_32 = false;
};

/// What the tensors written hold after the call.
struct FlashInferOutputs {
  std::vector<int64_t> input_tokens, input_positions, seq_lens, slot_mapping;
  std::vector<int64_t> paged_kv_indices, paged_kv_indptr, paged_kv_last_page_len, block_table_bound;

  bool operator==(const FlashInferOutputs&) const = default;
};

struct FlashInferExpected {
  /// Set when the call must fail with a data fault: the query row the fault is in, or -1 for the
  /// whole batch's (pages that do not fit paged_kv_indices or paged_kv_indptr).
  std::optional<int64_t> fault_row;
  std::string cause;          ///< what the oracle found, for failure messages
  FlashInferOutputs outputs;  ///< the outputs of a good call; the inputs' values on a fault
};

FlashInferExpected reference_flashinfer(const FlashInferInputs& inputs);

/// The outputs as the inputs hold them (what a faulty call must leave).
FlashInferOutputs outputs_of(const FlashInferInputs& inputs);

/// The first tensor and element where @p a and @p b differ, or "".
std::string flashinfer_difference(const FlashInferOutputs& a, const FlashInferOutputs& b);

}  // namespace advstep::oracle
