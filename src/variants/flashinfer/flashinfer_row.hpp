// The FlashInfer step's row formula (spec section 9): the decode row of variants/decode/decode_row.hpp
// plus FlashInfer's paged-KV metadata, the block table in CSR form. Host and device.
//
// Row q < Q spans pages = pos / B + 1 blocks (pos = seq_lens[q] before the step), its last page holds
// pos % B + 1 tokens, and its pages are block_tables[q, 0 .. pages) copied to paged_kv_indices from
// paged_kv_indptr[q], the sum of the earlier rows' pages. Pages are copied from the row, so the row
// bound of spec 4.1 always holds here: pages > W is a fault of its own. Every value is checked to fit
// the tensor it goes to (the metadata may be int32 or int64, each on its own).
#pragma once

#include <cstdint>
#include <limits>

#include "core/host_device.hpp"
#include "core/row.hpp"
#include "variants/decode/decode_row.hpp"

namespace advstep::core {

/// A metadata tensor, int32 or int64, read and written as int64.
struct MetadataArray {
  void* data = nullptr;
  bool narrow = false;  ///< int32 elements

  /// The largest value an element holds.
  [[nodiscard]] ADVSTEP_HOST_DEVICE int64_t max() const {
    return narrow ? static_cast<int64_t>(std::numeric_limits<int32_t>::max()) : std::numeric_limits<int64_t>::max();
  }
  ADVSTEP_HOST_DEVICE void store(int64_t i, int64_t value) const {
    if (narrow) {
      static_cast<int32_t*>(data)[i] = static_cast<int32_t>(value);
    } else {
      static_cast<int64_t*>(data)[i] = value;
    }
  }
};

template <typename SeqLen, typename Block>
struct FlashInferRows {
  /// The decode rows: all Q updated, every padding row written, the table bounded by the row.
  PlainStep<SeqLen, Block> decode;
  MetadataArray indices;        ///< [C]
  MetadataArray indptr;         ///< [N + 1]
  MetadataArray last_page_len;  ///< [N]
  MetadataArray bound;          ///< [N]
  int64_t indices_capacity;     ///< C
};

/// What query row q becomes: its decode row, its page count and last page's length.
struct FlashInferRow {
  PlainRow decode;
  int64_t pages;
  int64_t last_page_len;
};

/// Query row q < Q, from values read before any write; every page it copies is checked.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline RowFault flashinfer_row(const FlashInferRows<SeqLen, Block>& step, int64_t q,
                                                   FlashInferRow& row) {
  const BlockTable<Block>& table = step.decode.table;
  const auto pos = static_cast<int64_t>(step.decode.seq_lens[q]);
  if (pos < 0) return {FaultKind::kNegativeSeqLen, q, 0, pos, 0};
  // First, so that pos + 1 (the last page's length with B > pos) cannot overflow below.
  if (!next_length_fits<SeqLen>(pos)) return {FaultKind::kSeqLenOverflow, q, 0, pos, 0};
  const int64_t full_pages = table.block_size.quotient(pos);  // the block pos falls in
  if (full_pages >= table.stride) return {FaultKind::kPagesPastRow, q, 0, full_pages, pos, q * table.stride};
  row.pages = full_pages + 1;  // <= W: no overflow
  row.last_page_len = pos - full_pages * table.block_size.divisor() + 1;
  if (row.pages > step.bound.max()) return {FaultKind::kBoundOverflow, q, 0, row.pages, pos};
  if (row.last_page_len > step.last_page_len.max())
    return {FaultKind::kLastPageLenOverflow, q, 0, row.last_page_len, pos};
  if (RowFault fault = plain_row(step.decode, q, row.decode); !fault.ok()) return fault;
  const Block* pages = table.entries + q * table.stride;
  for (int64_t c = 0; c < row.pages; ++c) {
    const auto page = static_cast<int64_t>(pages[c]);
    if (page < 0) return {FaultKind::kNegativePageId, q, c, page, pos};
    if (page > step.indices.max()) return {FaultKind::kPageIdOverflow, q, c, page, pos};
  }
  return {};
}

/// The prefix sum after row q, @p before + pages: a fault when it does not fit paged_kv_indptr.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline RowFault next_indptr(const FlashInferRows<SeqLen, Block>& step, int64_t q, int64_t before,
                                                int64_t pages, int64_t& after) {
  if (before > step.indptr.max() - pages) return {FaultKind::kIndptrOverflow, q, 0, before, pages};
  after = before + pages;
  return {};
}

/// paged_kv_indptr[Q], the pages of every query row, must fit paged_kv_indices.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline RowFault indices_fit(const FlashInferRows<SeqLen, Block>& step, int64_t total) {
  if (total <= step.indices_capacity) return {};
  return {FaultKind::kIndicesCapacity, step.decode.num_queries - 1, 0, total, step.indices_capacity};
}

/// Writes query row q, whose pages start at @p first (paged_kv_indptr[q]).
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline void store_flashinfer_row(const FlashInferRows<SeqLen, Block>& step, int64_t q,
                                                     const FlashInferRow& row, int64_t first) {
  store_plain_row(step.decode, q, row.decode);
  step.last_page_len.store(q, row.last_page_len);
  step.bound.store(q, row.pages);
  step.indptr.store(q + 1, first + row.pages);
  const Block* pages = step.decode.table.entries + q * step.decode.table.stride;
  for (int64_t c = 0; c < row.pages; ++c) step.indices.store(first + c, static_cast<int64_t>(pages[c]));
}

/// Padding row t in [Q, N): the decode padding, and no pages (indptr[t + 1] = indptr[Q] = @p total).
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline void store_flashinfer_padding(const FlashInferRows<SeqLen, Block>& step, int64_t t,
                                                         int64_t total) {
  store_padding_row(step.decode, t);
  step.indptr.store(t + 1, total);
}

}  // namespace advstep::core
