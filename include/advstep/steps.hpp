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

/// prepare_inputs: what happens to seq_lens (and dcp_local_seq_lens) on the rows [R, Rs) past the batch.
enum class SeqLensTail : int32_t {
  kZero = 0,  ///< set to 0, as vLLM's model runner does (the default)
  kKeep = 1,  ///< left as they were
};

/// prepare_inputs: what happens to input_ids and positions on the tokens [T, M) past the batch.
enum class TokenTail : int32_t {
  kKeep = 0,  ///< left as they were (vLLM leaves them stale; the default)
  kZero = 1,  ///< input_ids = 0 (the pad token), positions = 0
};

/**
 * @brief The ragged prepare step in STATE mode (prepare_step.md section 3.1): each step's positions,
 * lengths, tokens, logits indices and KV slots of a batch of R requests from the per-request state,
 * as vLLM's model runner v2 prepares them. Only outputs are written; the state is only read.
 *
 * Row b < R reads state row r = idx_mapping[b] and owns the tokens t = qs + j, j < L (qs =
 * query_start_loc[b], L = query_start_loc[b + 1] - qs). With nc = num_computed_tokens[r]:
 * positions[t] = nc + j; seq_lens[b] = nc + L; token_seq_lens[t] = nc + j + 1; slot_mapping[g, t] =
 * block_tables[g][r, P / B_g] * B_g + P % B_g (cp = 1; the DCP form of section 2.6 for cp > 1, -1 for a
 * token another rank holds); dcp_local_seq_lens[b] by section 2.7; logits_indices[cu[b] + k] = qe - NL
 * + k for k < NL (NL = cu[b + 1] - cu[b], or num_bonus without cu_num_logits). In a decode row (seq_lens
 * [b] > prefill_len[r]) input_ids gets the bonus token last_sampled_tokens[r] at qe - NL (when num_bonus
 * = 1 and the row is past its prompt) and draft_tokens[r, k] at qe - D + k, D = NL - num_bonus.
 * slot_mapping on [T, M) is -1 (T = query_start_loc[R]); the tails follow seq_lens_tail and token_tail.
 *
 * Tensors are int32 or int64, each on its own; inputs may be strided views, and per-row inputs longer
 * than R; outputs must be contiguous and overlap nothing. An optional tensor left as a default
 * TensorView (rank 0) is not given. Rmax = the smallest dim 0 of the state tensors and tables.
 * Every value is checked before the first write: a row index outside [0, Rmax), a bad
 * query_start_loc or cu_num_logits, a negative num_computed_tokens, a block index past the bound, a
 * negative block id, or a value that does not fit its output is a data fault, and nothing is written.
 */
struct PrepareInputsStep {
  TensorView idx_mapping;                ///< [in] [R]: the state row of each batch row.
  TensorView query_start_loc;            ///< [in] [>= R + 1]: each row's first token.
  TensorView num_computed_tokens;        ///< [in] [Rmax] state.
  std::vector<TensorView> block_tables;  ///< [in] G >= 1 tables, each [Rb, W_g].
  std::vector<int64_t> block_size;       ///< B_g >= 1, one per table.
  TensorView positions;                  ///< [out] [M].
  TensorView seq_lens;                   ///< [out] [Rs], Rs >= R.
  TensorView slot_mapping;               ///< [out] [G, M], or [M] when G = 1.
  TensorView input_ids;                  ///< [out, optional] [M].
  TensorView last_sampled_tokens;        ///< [in, optional] [Rmax] or [Rmax, 1]; needed for input_ids with num_bonus 1.
  TensorView draft_tokens;               ///< [in, optional] [Rmax, S]; absent means S = 0.
  TensorView prefill_len;                ///< [in, optional] [Rmax]; absent means 0.
  TensorView cu_num_logits;              ///< [in, optional] [>= R + 1]; needed for logits_indices.
  TensorView logits_indices;             ///< [out, optional] [>= cu_num_logits[R]].
  TensorView token_seq_lens;             ///< [out, optional] [M].
  TensorView dcp_local_seq_lens;         ///< [out, optional] [Rs].
  int64_t num_bonus = 1;                 ///< nb, 0 or 1.
  int64_t cp_size = 1;                   ///< DCP size >= 1.
  int64_t cp_rank = 0;                   ///< 0 <= cp_rank < cp_size.
  int64_t cp_interleave = 1;             ///< I >= 1; with cp_size > 1, I <= B_g and B_g % I == 0.
  BlockBound bound = BlockBound::kRow;   ///< the block index's bound: the row (default) or the table.
  SeqLensTail seq_lens_tail = SeqLensTail::kZero;
  TokenTail token_tail = TokenTail::kKeep;
};

/// The argument of advance_step(): one variant's struct.
using Step = std::variant<DecodeStep, SpeculativeStep, FlashInferStep>;

/// A cudaStream_t for CUDA tensors (null: the legacy default stream); unused on the CPU.
using Stream = void*;

}  // namespace advstep
