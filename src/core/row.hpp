// THE per-row formula of advance_step (spec sections 2 and 3), shared by every kernel.
//
// Each function reads one row and either reports a fault or says what the row becomes; the store
// functions write it. Kernels run a check pass over every row before a write pass, so a fault
// leaves every tensor as it was. All arithmetic is 64-bit; division only sees non-negative values.
#pragma once

#include <cstdint>
#include <limits>

#include "core/divider.hpp"
#include "core/host_device.hpp"

namespace advstep::core {

enum class FaultKind : int32_t {
  kNone = 0,
  kNegativeSeqLen,         ///< V1: seqLens[i] < 0
  kSeqLenOverflow,         ///< the new sequence length does not fit seqLens' type
  kNegativePosition,       ///< V2: the new position inputPositions[k] + acceptedNum[i] + 1 < 0
  kPositionOverflow,       ///< V2: inputPositions[k] + acceptedNum[i] + 1 exceeds int64
  kBlockIndexOutOfTable,   ///< row * stride + position / blockSize >= numel(blockTables)
  kNegativeBlockId,        ///< the block id read from the table is negative
  kSlotOverflow,           ///< blockId * blockSize + offset overflows int64
  kSampledRowStartsEmpty,  ///< V2: sampledTokenIds[i, 0] == -1, so the row has no last token
  kBlockIndexOutOfRow,     ///< row bound (spec 4.1): position / blockSize >= W, another sequence's block
};

/// Where and why a row could not be advanced. value/extra carry the values for the message.
struct RowFault {
  FaultKind kind = FaultKind::kNone;
  int64_t sequence = 0;  ///< i
  int64_t column = 0;    ///< j (0 on the V1 path)
  /// The offending value: the length (seqLens overflow, negative seqLens), the input position
  /// (V2 position faults), the block index or the block id.
  int64_t value = 0;
  /// A second value: acceptedNum[i] for V2 position faults, else the position that led to a block
  /// index or block id.
  int64_t extra = 0;
  /// Block-index faults: the flat index of the row the block index counts from, seq * W (0 for the
  /// Ascend V1 kernel, which reads row 0). The entry read, row_start + value, may not fit 64 bits.
  int64_t row_start = 0;

  [[nodiscard]] ADVSTEP_HOST_DEVICE bool ok() const { return kind == FaultKind::kNone; }
};

/// The paged block table, row-major, with W = stride entries per sequence.
template <typename Block>
struct BlockTable {
  const Block* entries;
  int64_t stride;  ///< numel / dim0
  int64_t numel;
  Divider block_size;
  /// (max - (B - 1)) / B: no slot of a block id up to it overflows, whatever the offset, so rows
  /// below it skip the exact test. Any value is correct (the exact test follows); -1 is only slower.
  int64_t always_fits = -1;
  /// Spec 4.1: true bounds a block index by the row (W), false by the whole table.
  bool row_bound = false;
};

/// The fault of a block index @p block of sequence @p seq, counted from flat entry @p row_start
/// (in [0, numel)), or none: past the row under the row bound, outside [0, numel) under the table
/// bound. The entry row_start + block is never formed: with a huge block it would overflow.
template <typename Block>
ADVSTEP_HOST_DEVICE inline RowFault block_index_fault(const BlockTable<Block>& table, int64_t seq, int64_t column,
                                                     int64_t block, int64_t row_start, int64_t pos) {
  if (table.row_bound && (block < 0 || block >= table.stride)) {
    return {FaultKind::kBlockIndexOutOfRow, seq, column, block, pos, row_start};
  }
  if (block < -row_start || block >= table.numel - row_start) {
    return {FaultKind::kBlockIndexOutOfTable, seq, column, block, pos, row_start};
  }
  return {};
}

/// The KV-cache slot of position @p pos of sequence @p seq: bt[seq*stride + pos/B] * B + pos % B.
template <typename Block>
ADVSTEP_HOST_DEVICE inline RowFault slot_of(const BlockTable<Block>& table, int64_t seq, int64_t column,
                                            int64_t pos, int64_t& slot) {
  const int64_t block_size = table.block_size.divisor();
  const int64_t block = table.block_size.quotient(pos);
  const int64_t offset = pos - block * block_size;
  const int64_t row_start = seq * table.stride;  // < numel: dim0 == N > seq
  // One comparison: the row's width under the row bound, what is left of the table otherwise.
  if (block >= (table.row_bound ? table.stride : table.numel - row_start)) {
    return block_index_fault(table, seq, column, block, row_start, pos);
  }
  const auto block_id = static_cast<int64_t>(table.entries[row_start + block]);
  if (block_id < 0) return {FaultKind::kNegativeBlockId, seq, column, block_id, pos};
  // The divider, not a hardware divide, and only for block ids above the table's always_fits.
  if (block_id > table.always_fits &&
      block_id > table.block_size.quotient(std::numeric_limits<int64_t>::max() - offset)) {
    return {FaultKind::kSlotOverflow, seq, column, block_id, pos};
  }
  slot = block_id * block_size + offset;
  return {};
}

/// True when @p len + 1 fits in SeqLen.
template <typename SeqLen>
ADVSTEP_HOST_DEVICE inline bool next_length_fits(int64_t len) {
  return len < static_cast<int64_t>(std::numeric_limits<SeqLen>::max());
}

// ---- V1: one row per sequence ---------------------------------------------------------------

template <typename SeqLen, typename Block>
struct PlainStep {
  int64_t* input_tokens;
  const int64_t* sampled_token_ids;  ///< [Q, 1]
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
ADVSTEP_HOST_DEVICE inline void store_plain_row(const PlainStep<SeqLen, Block>& step, int64_t i,
                                                const PlainRow& row) {
  step.input_tokens[i] = row.token;
  step.input_positions[i] = row.position;
  // Unsigned: Ascend semantics wraps a length of 2^63 - 1 as its kernel does; vLLM's never gets there.
  step.seq_lens[i] = static_cast<SeqLen>(static_cast<int64_t>(static_cast<uint64_t>(row.position) + 1));
  step.slot_mapping[i] = row.slot;
}

/// Padding row Q <= j < N, added so a CUDA-graph batch keeps its size: no token, no slot.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline void store_padding_row(const PlainStep<SeqLen, Block>& step, int64_t j) {
  step.input_tokens[j] = 0;
  step.input_positions[j] = 0;
  step.slot_mapping[j] = -1;
}

// ---- V2: E = S + 1 cells per sequence -------------------------------------------------------

template <typename SeqLen, typename Block>
struct SpeculativeStep {
  int64_t* input_tokens;             ///< [N*E]
  const int64_t* sampled_token_ids;  ///< [N, E]
  int64_t* input_positions;          ///< [N*E]
  SeqLen* seq_lens;                  ///< [N*E], written only
  int64_t* slot_mapping;             ///< [N*E]
  const int64_t* spec_token;         ///< [N, S]
  const int64_t* accepted_num;       ///< [N]
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
ADVSTEP_HOST_DEVICE inline RowFault speculative_cell(const SpeculativeStep<SeqLen, Block>& step, int64_t i,
                                                     int64_t j, SpeculativeCell& cell) {
  // acceptedNum is an offset, as CANN's kernel adds it (its examples pass values above S): only the
  // position it leads to is checked. Each bound is tested before the addition can overflow.
  const int64_t accepted = step.accepted_num[i];
  const int64_t k = i * (step.spec_num + 1) + j;
  const int64_t old_pos = step.input_positions[k];
  if (accepted >= 0 && old_pos > std::numeric_limits<int64_t>::max() - 1 - accepted) {
    return {FaultKind::kPositionOverflow, i, j, old_pos, accepted};
  }
  if (old_pos < -1 - accepted) return {FaultKind::kNegativePosition, i, j, old_pos, accepted};
  cell.position = old_pos + accepted + 1;
  if (!next_length_fits<SeqLen>(cell.position)) return {FaultKind::kSeqLenOverflow, i, j, cell.position, 0};
  return slot_of(step.table, i, j, cell.position, cell.slot);
}

template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline void store_speculative_cell(const SpeculativeStep<SeqLen, Block>& step, int64_t i,
                                                       int64_t j, const SpeculativeCell& cell) {
  const int64_t k = i * (step.spec_num + 1) + j;
  step.input_positions[k] = cell.position;
  step.seq_lens[k] = static_cast<SeqLen>(cell.position + 1);
  step.slot_mapping[k] = cell.slot;
}

/// The token sequence i continues from: the one before the first -1 of its sampled row (the last
/// column when the row has none). A row that starts with -1 has no such token.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline RowFault last_token(const SpeculativeStep<SeqLen, Block>& step, int64_t i,
                                               int64_t& token) {
  const int64_t width = step.spec_num + 1;
  const int64_t* sampled = step.sampled_token_ids + i * width;
  int64_t m = 0;
  while (m < width && sampled[m] != -1) ++m;
  if (m == 0) return {FaultKind::kSampledRowStartsEmpty, i, 0, -1, 0};
  token = sampled[m - 1];
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

// The Ascend kernels' formulas, beside these and built on the same steps.
#include "core/ascend_row.hpp"
