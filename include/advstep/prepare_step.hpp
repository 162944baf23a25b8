// The ragged prepare step (prepare_step.md): the three operations with which vLLM's model runner v2
// prepares each step, in place of advance_step. One argument struct per operation, named as the spec
// (section 9) and vLLM name them.
//
// R = len(idx_mapping) batch rows; Rmax = the smallest dim 0 of the state tensors passed (tables
// included); M = len(positions) tokens; T = query_start_loc[R]; G block tables, table g [Rb, W_g] with
// block size B_g; S = the width of draft_tokens; K = the width of sampled_token_ids / sampled_tokens.
// Every index, id and length tensor is int32 or int64, each on its own. Inputs may be strided views and
// per-row inputs longer than R (their first R values are read); outputs must be contiguous and overlap
// nothing (save advance_drafts' in-place pairs). An optional tensor left as a default TensorView
// (rank 0) is not given.
//
// Errors, for all three: Error kNullPointer (a required tensor missing, or one an option needs),
// kInvalidArgument (a dtype other than int32/int64, an output not contiguous or overlapping another
// tensor, tensors on different devices), kOutOfRange (a shape or scalar rule), kDataFault (a value that
// cannot be prepared: the message names the operation, the fault class F1-F8, b, r, t and the values).
// Every value is checked before the first write: on any error no tensor is modified.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "advstep/export.hpp"
#include "advstep/options.hpp"
#include "advstep/status.hpp"
#include "advstep/steps.hpp"
#include "advstep/tensor_view.hpp"

namespace advstep {

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


/// advance_drafts: what happens to a token whose new position passes pos_cap.
enum class OnCap : int32_t {
  kClamp = 0,  ///< the position becomes pos_cap and the token keeps its slot (vLLM's model runner v2)
  kPad = 1,    ///< one-token rows only: position 0, seq_lens 1, slot -1 (vLLM's V1 EAGLE runner)
};

/**
 * @brief The ragged prepare step in ADVANCE mode (prepare_step.md section 3.2): an EAGLE/MTP draft step,
 * and advance_step V2 as a special case. Row b < R reads table row r = idx_mapping[b] and owns the
 * tokens t = qs + j, j < L (L = 1 for every row with rewrite_query_start_loc). The new position is P =
 * pos_in[t] + delta_b (clamped or padded above pos_cap); positions[t] = P; token_seq_lens[t] = P + 1;
 * seq_lens[b] = min(seq_base[b] - seq_sub[b] + delta_b, seq_cap); input_ids[qe - L] = the row's bonus
 * token (tokens[b], or the last element of sampled_token_ids[b] before its first -1) and input_ids[qe -
 * L + 1 + k] = draft_tokens[r, k] for k < L - 1; slot_mapping[g, t] by section 2.6. slot_mapping on [T,
 * M) is -1; seq_lens on [R, Rs) follows seq_lens_tail.
 *
 * In-place pairs: pos_in may be positions itself and seq_base seq_lens itself (both read as at the
 * call's start); pos_in defaults to positions and seq_base to seq_lens.
 */
struct AdvanceDraftsStep {
  TensorView idx_mapping;                ///< [in] [R]: the table row of each batch row.
  TensorView query_start_loc;            ///< [in,out] [>= R + 1]; written [min(i, R)] with rewrite_query_start_loc.
  TensorView positions;                  ///< [in,out] [M]: P (and pos_in unless pos_in is given).
  TensorView input_ids;                  ///< [out] [M].
  TensorView slot_mapping;               ///< [out] [G, M], or [M] when G = 1.
  std::vector<TensorView> block_tables;  ///< [in] G >= 1 tables, each [Rb, W_g].
  std::vector<int64_t> block_size;       ///< B_g >= 1, one per table.
  int64_t delta = 1;                     ///< delta_b for every row, when delta_per_row is not given.
  TensorView delta_per_row;              ///< [in, optional] [R]: delta_b per row.
  TensorView tokens;                     ///< [in, optional] [R]: the bonus token of each row (EAGLE).
  TensorView sampled_token_ids;          ///< [in, optional] [R, K]: bonus = lastToken (V2); one of the two.
  TensorView draft_tokens;               ///< [in, optional] [Rmax, S]; absent means S = 0.
  TensorView pos_in;                     ///< [in, optional] [M]; absent: positions as read at entry.
  TensorView seq_lens;                   ///< [in,out, optional] [Rs], Rs >= R.
  TensorView seq_base;                   ///< [in, optional] [R]; absent: seq_lens as read at entry.
  TensorView seq_sub;                    ///< [in, optional] [R]: subtracted from seq_base (num_rejected).
  TensorView token_seq_lens;             ///< [out, optional] [M].
  std::optional<int64_t> pos_cap;        ///< >= 0 when given; needed for OnCap::kPad.
  std::optional<int64_t> seq_cap;        ///< >= 1 when given.
  OnCap on_cap = OnCap::kClamp;
  bool rewrite_query_start_loc = false;  ///< every row one token; query_start_loc is written, not read.
  int64_t cp_size = 1;                   ///< DCP size >= 1.
  int64_t cp_rank = 0;                   ///< 0 <= cp_rank < cp_size.
  int64_t cp_interleave = 1;             ///< I >= 1; with cp_size > 1, I <= B_g and B_g % I == 0.
  BlockBound bound = BlockBound::kRow;   ///< the block index's bound: the row (default) or the table.
  SeqLensTail seq_lens_tail = SeqLensTail::kKeep;
};

/**
 * @brief The state update after sampling (prepare_step.md section 3.3, vLLM's _post_update_kernel). For
 * each b < R with r = idx_mapping[b] >= 0 (a negative r skips the row), n = num_sampled[b], rho =
 * num_rejected[b]: if n > 0, last_sampled_tokens[r] = sampled_tokens[b, n - 1] and, with the history,
 * all_token_ids[r, total_len[r] + i] = sampled_tokens[b, i] for i < n, then total_len[r] += n;
 * num_computed_tokens[r] += L_b - rho (L_b = 0 without query_start_loc). Two rows naming the same r >= 0
 * are a data fault (F1).
 */
struct PostUpdateStep {
  TensorView idx_mapping;          ///< [in] [R].
  TensorView num_computed_tokens;  ///< [in,out] [Rmax] state.
  TensorView last_sampled_tokens;  ///< [in,out] [Rmax] or [Rmax, 1] state.
  TensorView sampled_tokens;       ///< [in] [R, K], K >= 1.
  TensorView num_sampled;          ///< [in] [R]: n, 0 <= n <= K.
  TensorView num_rejected;         ///< [in] [R]: rho, 0 <= rho <= L_b.
  TensorView query_start_loc;      ///< [in, optional] [>= R + 1].
  TensorView total_len;            ///< [in,out, optional] [Rmax]; comes with all_token_ids.
  TensorView all_token_ids;        ///< [in,out, optional] [Rmax, Wt]: the token history.
};

/// Runs prepare_inputs. CPU tensors complete in the call; on CUDA tensors the kernels run on @p stream,
/// which is synchronised before the call returns, so a data fault is thrown here. @throws Error as above.
ADVSTEP_API void prepare_inputs(const PrepareInputsStep& step, Stream stream = nullptr);
/// Runs advance_drafts, as prepare_inputs().
ADVSTEP_API void advance_drafts(const AdvanceDraftsStep& step, Stream stream = nullptr);
/// Runs post_update, as prepare_inputs().
ADVSTEP_API void post_update(const PostUpdateStep& step, Stream stream = nullptr);

/// The three without waiting: on CUDA tensors the kernels are enqueued on @p stream (capturable into a
/// CUDA graph); a data fault writes nothing and is reported by check_cuda_faults(). Arguments are
/// checked at the call and throw as above. On CPU tensors each is its synchronous form.
ADVSTEP_API void prepare_inputs_async(const PrepareInputsStep& step, Stream stream = nullptr);
ADVSTEP_API void advance_drafts_async(const AdvanceDraftsStep& step, Stream stream = nullptr);
ADVSTEP_API void post_update_async(const PostUpdateStep& step, Stream stream = nullptr);

}  // namespace advstep
