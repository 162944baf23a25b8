// The arguments of each advance_step variant, as named fields: one struct per variant.
//
// Each reads like the documentation with designated initialisers:
//   advstep::advance_step(advstep::DecodeStep{.input_tokens = tokens, ..., .block_size = 16});
// N = num_seqs, Q = num_queries, B = block_size, W = the row length of block_tables, S = drafts per
// sequence, E = S + 1, C = capacity of paged_kv_indices. Tensors are TensorViews (tensor_view.hpp).
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "advstep/options.hpp"
#include "advstep/tensor_view.hpp"

namespace advstep {

/**
 * @brief One decode step (vLLM's advance_step_flashattn, CANN's aclnnAdvanceStep), in place.
 *
 * For each query row i < Q (pos = seq_lens[i] read before any write): input_tokens[i] =
 * sampled_token_ids[i, 0], input_positions[i] = pos, seq_lens[i] = pos + 1, slot_mapping[i] =
 * block_tables[i, pos / B] * B + pos % B. Padding rows Q <= j < N: input_tokens[j] = 0,
 * input_positions[j] = 0, slot_mapping[j] = -1, seq_lens[j] unchanged.
 */
struct DecodeStep {
  TensorView input_tokens;       ///< [in,out] int64 [N] or [N, 1].
  TensorView sampled_token_ids;  ///< [in] int32 or int64 [Q, 1].
  TensorView input_positions;    ///< [in,out] int64 [N] or [N, 1].
  TensorView seq_lens;           ///< [in,out] int32 or int64 [N] or [N, 1].
  TensorView slot_mapping;       ///< [in,out] int64 [N] or [N, 1].
  TensorView block_tables;       ///< [in] int32 or int64 [N, W].
  int64_t num_seqs = 0;          ///< N, 1 <= N < 200000000.
  int64_t num_queries = 0;       ///< Q, 1 <= Q <= N.
  int64_t block_size = 0;        ///< B >= 1.
};

/**
 * @brief One speculative-decoding step (CANN's aclnnAdvanceStepV2): E = S + 1 cells per sequence,
 * k = i*E + j.
 *
 * p = input_positions[k] + accepted_num[i] + 1; input_positions[k] = p; seq_lens[k] = p + 1;
 * slot_mapping[k] = block_tables[i, p / B] * B + p % B; input_tokens[i*E] = the last token of row i
 * of sampled_token_ids before its first -1 (the last column when it has none); input_tokens[i*E + 1
 * + s] = spec_token[i, s]. spec_token and accepted_num left as default TensorViews (rank 0) are "not
 * given": both absent is the decode step; one given without the other (or an empty one) is refused
 * with kNullPointer.
 */
struct SpeculativeStep {
  TensorView input_tokens;       ///< [in,out] int64 [N*E] or [N, E].
  TensorView sampled_token_ids;  ///< [in] int32 or int64 [N, E]; -1 marks a rejected token.
  TensorView input_positions;    ///< [in,out] int64 [N*E] or [N, E].
  TensorView seq_lens;           ///< [out] int32 or int64 [N*E] or [N, E]; written, not read.
  TensorView slot_mapping;       ///< [in,out] int64 [N*E] or [N, E].
  TensorView block_tables;       ///< [in] int32 or int64 [N, W].
  int64_t num_seqs = 0;          ///< N.
  int64_t num_queries = 0;       ///< must equal N.
  int64_t block_size = 0;        ///< B >= 1.
  TensorView spec_token;         ///< [in] int32 or int64 [N, S]: the next step's draft tokens.
  TensorView accepted_num;       ///< [in] int32 or int64 [N]: an offset (values above S are valid).
};

/**
 * @brief The decode step plus FlashInfer's paged-KV metadata (vLLM's advance_step_flashinfer,
 * spec section 9); fields in vLLM's argument order. vLLM's semantics only.
 *
 * For each query row q < Q (pos = seq_lens[q] read before any write): the four outputs of
 * DecodeStep, paged_kv_last_page_len[q] = pos % B + 1, block_table_bound[q] = pos / B + 1,
 * paged_kv_indptr[0] = 0, paged_kv_indptr[q + 1] = bound[0] + ... + bound[q], and
 * paged_kv_indices[indptr[q] + c] = block_tables[q, c] for c < bound[q]. Padding rows Q <= t < N:
 * the decode padding and paged_kv_indptr[t + 1] = paged_kv_indptr[Q]; their last_page_len and
 * bound are left as they were, as are paged_kv_indices past paged_kv_indptr[Q].
 */
struct FlashInferStep {
  int64_t num_seqs = 0;               ///< N, 1 <= N < 200000000.
  int64_t num_queries = 0;            ///< Q, 1 <= Q <= N.
  int64_t block_size = 0;             ///< B >= 1.
  TensorView input_tokens;            ///< [in,out] int64 [N] or [N, 1].
  TensorView sampled_token_ids;       ///< [in] int32 or int64 [Q', 1] or [Q'], Q' >= Q; may be input_tokens.
  TensorView input_positions;         ///< [in,out] int64 [N] or [N, 1].
  TensorView seq_lens;                ///< [in,out] int32 or int64 [N] or [N, 1].
  TensorView slot_mapping;            ///< [in,out] int64 [N] or [N, 1].
  TensorView block_tables;            ///< [in] int32 or int64 [N, W].
  TensorView paged_kv_indices;        ///< [out] int32 or int64 [C], C >= 0.
  TensorView paged_kv_indptr;         ///< [out] int32 or int64 [N + 1].
  TensorView paged_kv_last_page_len;  ///< [out] int32 or int64 [N].
  TensorView block_table_bound;       ///< [out] int32 or int64 [N].
};

/// The argument of advance_step(): one variant's struct.
using Step = std::variant<DecodeStep, SpeculativeStep, FlashInferStep>;

/// A cudaStream_t for CUDA tensors (null: the legacy default stream); unused on the CPU.
using Stream = void*;

}  // namespace advstep
