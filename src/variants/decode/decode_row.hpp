// The decode step's row formula (spec section 2), vLLM's semantics; Ascend's V1 row is beside it in
// core/ascend_row.hpp. Shared by every kernel, host and device.
#pragma once

#include <cstdint>

#include "core/host_device.hpp"
#include "core/row.hpp"
#include "core/step_formulas.hpp"

namespace advstep::core {

// ---- V1: one row per sequence ---------------------------------------------------------------

template <typename SeqLen, typename Block>
struct PlainStep {
  int64_t* input_tokens;
  IndexArray sampled_token_ids;  ///< [Q, 1] (FlashInfer: [Q', 1] or [Q'])
  int64_t* input_positions;
  SeqLen* seq_lens;
  int64_t* slot_mapping;
  BlockTable<Block> table;
  int64_t num_queries;
  int64_t num_seqs;
  int64_t updated_rows = 0;  ///< query rows advanced: Q, or min(Q, cores) (Ascend V1)
  int64_t padding_step = 1;  ///< padding rows written: Q + k * padding_step (Ascend V1: the core count)
};

/// Padding rows written, Q <= j < N with (j - Q) % padding_step == 0.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline int64_t padding_rows(const PlainStep<SeqLen, Block>& step) {
  return (step.num_seqs - step.num_queries + step.padding_step - 1) / step.padding_step;
}

/// The row written by item @p k of the write pass: query rows first, then the padding rows.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline int64_t padding_row(const PlainStep<SeqLen, Block>& step, int64_t k) {
  return step.num_queries + (k - step.updated_rows) * step.padding_step;
}

struct PlainRow {
  int64_t token;
  int64_t position;
  int64_t slot;
};

/// Query row i < Q: what it becomes, from values read before any write.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline RowFault plain_row(const PlainStep<SeqLen, Block>& step, int64_t i, PlainRow& row) {
  const auto pos = static_cast<int64_t>(step.seq_lens[i]);
  if (pos < 0) return {FaultKind::kNegativeSeqLen, i, 0, pos, 0};
  if (!next_length_fits<SeqLen>(pos)) return {FaultKind::kSeqLenOverflow, i, 0, pos, 0};
  row.position = pos;
  row.token = step.sampled_token_ids[i];
  return slot_of(step.table, i, 0, pos, row.slot);
}

template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline void store_plain_row(const PlainStep<SeqLen, Block>& step, int64_t i, const PlainRow& row) {
  step.input_tokens[i] = row.token;
  step.input_positions[i] = row.position;
  // Unsigned: Ascend semantics wraps a length of 2^63 - 1 as its kernel does; vLLM's never gets there.
  step.seq_lens[i] = static_cast<SeqLen>(static_cast<int64_t>(length_through(static_cast<uint64_t>(row.position))));
  step.slot_mapping[i] = row.slot;
}

/// Padding row Q <= j < N, added so a CUDA-graph batch keeps its size: no token, no slot.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline void store_padding_row(const PlainStep<SeqLen, Block>& step, int64_t j) {
  step.input_tokens[j] = 0;
  step.input_positions[j] = 0;
  step.slot_mapping[j] = -1;
}

}  // namespace advstep::core
