// What every variant's row formula is built on (spec sections 2 to 4): faults, index reads, the
// block table and THE slot formula, shared by every kernel. Each variant's own rows are in its
// folder (variants/decode/decode_row.hpp, variants/speculative/speculative_cell.hpp, ...).
//
// Each row function reads one row and either reports a fault or says what the row becomes; the store
// functions write it. Kernels run a check pass over every row before a write pass, so a fault
// leaves every tensor as it was. All arithmetic is 64-bit; division only sees non-negative values.
#pragma once

#include <cstdint>
#include <limits>

#include "core/divider.hpp"
#include "core/host_device.hpp"
#include "core/step_formulas.hpp"

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
  // The FlashInfer variant's own (variants/flashinfer/flashinfer_row.hpp explains them).
  kPagesPastRow,         ///< block_table_bound = position / B + 1 > W: pages are copied from the row
  kNegativePageId,       ///< a page id copied into paged_kv_indices is negative
  kPageIdOverflow,       ///< a page id does not fit paged_kv_indices' dtype
  kBoundOverflow,        ///< block_table_bound does not fit its dtype
  kLastPageLenOverflow,  ///< paged_kv_last_page_len does not fit its dtype
  kIndptrOverflow,       ///< a prefix sum does not fit paged_kv_indptr's dtype
  kIndicesCapacity,      ///< paged_kv_indptr[Q] > numel(paged_kv_indices): the pages do not fit
  /// The prepare step's post_update, found on a GPU: b, r, value, extra, limit in sequence, column,
  /// value, extra, row_start; its own kind and dtype in the launch's context (cuda/fault_record.hpp).
  kPostUpdate,
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

/// An index tensor read as int64 whatever its dtype (int32 or int64, chosen per call): engines hold
/// token ids and counts in either, and one branch per read costs less than a kernel per dtype pair.
struct IndexArray {
  const void* data = nullptr;
  bool narrow = false;  ///< int32 elements

  [[nodiscard]] ADVSTEP_HOST_DEVICE int64_t operator[](int64_t i) const {
    return narrow ? static_cast<int64_t>(static_cast<const int32_t*>(data)[i]) : static_cast<const int64_t*>(data)[i];
  }
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
ADVSTEP_HOST_DEVICE inline RowFault slot_of(const BlockTable<Block>& table, int64_t seq, int64_t column, int64_t pos,
                                            int64_t& slot) {
  const int64_t block_size = table.block_size.divisor();
  const int64_t block = table.block_size.quotient(pos);
  const int64_t offset = pos - block * block_size;
  const int64_t row_start = seq * table.stride;  // < numel: dim0 == N > seq
  // One comparison: the row's width under the row bound, what is left of the table otherwise.
  if (block_column_outside(block, row_start, table.stride, table.numel, table.row_bound)) {
    return block_index_fault(table, seq, column, block, row_start, pos);
  }
  const auto block_id = static_cast<int64_t>(table.entries[row_start + block]);
  if (block_id < 0) return {FaultKind::kNegativeBlockId, seq, column, block_id, pos};
  // The divider, not a hardware divide, and only for block ids above the table's always_fits.
  if (block_id > table.always_fits &&
      block_id > table.block_size.quotient(std::numeric_limits<int64_t>::max() - offset)) {
    return {FaultKind::kSlotOverflow, seq, column, block_id, pos};
  }
  slot = slot_in_block(block_id, block_size, offset);
  return {};
}

/// True when @p len + 1 fits in SeqLen.
template <typename SeqLen>
ADVSTEP_HOST_DEVICE inline bool next_length_fits(int64_t len) {
  return len < static_cast<int64_t>(std::numeric_limits<SeqLen>::max());
}

}  // namespace advstep::core
