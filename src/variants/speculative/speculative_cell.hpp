// The speculative step's cell formula (spec section 3), vLLM's semantics; Ascend's V2 cell is beside
// it in core/ascend_row.hpp. Shared by every kernel, host and device.
#pragma once

#include <cstdint>
#include <limits>

#include "core/host_device.hpp"
#include "core/row.hpp"
#include "core/step_formulas.hpp"

namespace advstep::core {

// ---- V2: E = S + 1 cells per sequence -------------------------------------------------------

template <typename SeqLen, typename Block>
struct SpeculativeStep {
  int64_t* input_tokens;         ///< [N*E]
  IndexArray sampled_token_ids;  ///< [N, E]
  int64_t* input_positions;      ///< [N*E]
  SeqLen* seq_lens;              ///< [N*E], written only
  int64_t* slot_mapping;         ///< [N*E]
  IndexArray spec_token;         ///< [N, S]
  IndexArray accepted_num;       ///< [N]
  BlockTable<Block> table;
  int64_t num_seqs;
  int64_t spec_num;  ///< S
};

/// Cell (i, j): its new position, from which seqLens is position + 1.
struct SpeculativeCell {
  int64_t position;
  int64_t slot;
};

template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline RowFault speculative_cell(const SpeculativeStep<SeqLen, Block>& step, int64_t i, int64_t j,
                                                     SpeculativeCell& cell) {
  // acceptedNum is an offset, as CANN's kernel adds it (its examples pass values above S): only the
  // position it leads to is checked. Each bound is tested before the addition can overflow.
  const int64_t accepted = step.accepted_num[i];
  const int64_t k = i * (step.spec_num + 1) + j;
  const int64_t old_pos = step.input_positions[k];
  if (accepted >= 0 && old_pos > std::numeric_limits<int64_t>::max() - 1 - accepted) {
    return {FaultKind::kPositionOverflow, i, j, old_pos, accepted};
  }
  if (old_pos < -1 - accepted) return {FaultKind::kNegativePosition, i, j, old_pos, accepted};
  // Modular uint64: the checks above put the sum in [0, INT64_MAX], while delta = accepted + 1
  // alone would overflow int64 for accepted = INT64_MAX.
  cell.position =
      static_cast<int64_t>(advanced_position(static_cast<uint64_t>(old_pos), static_cast<uint64_t>(accepted) + 1));
  if (!next_length_fits<SeqLen>(cell.position)) return {FaultKind::kSeqLenOverflow, i, j, cell.position, 0};
  return slot_of(step.table, i, j, cell.position, cell.slot);
}

template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline void store_speculative_cell(const SpeculativeStep<SeqLen, Block>& step, int64_t i, int64_t j,
                                                       const SpeculativeCell& cell) {
  const int64_t k = i * (step.spec_num + 1) + j;
  step.input_positions[k] = cell.position;
  step.seq_lens[k] = static_cast<SeqLen>(length_through(cell.position));
  step.slot_mapping[k] = cell.slot;
}

/// The token sequence i continues from: the one before the first -1 of its sampled row (the last
/// column when the row has none). A row that starts with -1 has no such token.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline RowFault last_token(const SpeculativeStep<SeqLen, Block>& step, int64_t i, int64_t& token) {
  const int64_t width = step.spec_num + 1;
  const int64_t row = i * width;
  int64_t m = 0;
  while (m < width && step.sampled_token_ids[row + m] != -1) ++m;
  if (m == 0) return {FaultKind::kSampledRowStartsEmpty, i, 0, -1, 0};
  token = step.sampled_token_ids[row + m - 1];
  return {};
}

/// Column 0 takes the last accepted token, columns 1..S the new drafts.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline int64_t next_token(const SpeculativeStep<SeqLen, Block>& step, int64_t i, int64_t j,
                                              int64_t last) {
  return j == 0 ? last : step.spec_token[i * step.spec_num + (j - 1)];
}

template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline void store_token(const SpeculativeStep<SeqLen, Block>& step, int64_t i, int64_t j,
                                            int64_t token) {
  step.input_tokens[i * (step.spec_num + 1) + j] = token;
}

}  // namespace advstep::core
