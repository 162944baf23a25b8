// The formulas advance_step and the prepare step have in common (prepare_step.md section 5: V1 is
// prepare_inputs, V2 is advance_drafts), each written once for both. They are templates over the
// integer type because the two check overflow differently: advance_step's rows prove the range in
// int64 before they compute (core/row.hpp, the speculative cell), the prepare walk computes in
// exact 128-bit Wide and checks each result against its output afterwards (F6). Forcing Wide on
// advance_step would cost its CPU kernel a 128-bit multiply and compare per row.
// Ascend's formulas (core/ascend_row.hpp) differ from both and stay apart. V2's lastToken stays
// written twice (speculative_cell.hpp, prepare_walk.hpp): one template over an element reader cost
// the speculative CPU kernel 2 instructions per cell (3%), where the rest here costs it under 1.
#pragma once

#include <cstdint>

#include "core/host_device.hpp"

namespace advstep::core {

/// The slot of the entry at @p offset within block @p block_id (advance_step 2, prepare 2.6):
/// id * B + offset, with offset = P % B (for a DCP rank, the offset within its share of the block).
template <typename Int>
ADVSTEP_HOST_DEVICE constexpr Int slot_in_block(Int block_id, Int block_size, Int offset) {
  return block_id * block_size + offset;
}

/// Whether block column @p column of the row whose first entry is flat index @p row_start lies
/// outside what the bound allows (advance_step 4.1, prepare F5): the row's @p width under the row
/// bound, what is left of the table's @p numel entries under the table bound. column >= 0;
/// row_start + column is never formed, so a huge column cannot overflow it.
template <typename Int>
ADVSTEP_HOST_DEVICE constexpr bool block_column_outside(Int column, Int row_start, Int width, Int numel,
                                                        bool row_bound) {
  return column >= (row_bound ? width : numel - row_start);
}

/// V2 / ADVANCE (advance_step 3, prepare 2.2): P = pos_in + delta, delta = acceptedNum + 1 for V2.
template <typename Int>
ADVSTEP_HOST_DEVICE constexpr Int advanced_position(Int previous, Int delta) {
  return previous + delta;
}

/// The length of a sequence whose last token sits at position @p position: token_seq_lens = P + 1
/// (advance_step 3's seqLens, prepare 2.3).
template <typename Int>
ADVSTEP_HOST_DEVICE constexpr Int length_through(Int position) {
  return position + 1;
}

}  // namespace advstep::core
