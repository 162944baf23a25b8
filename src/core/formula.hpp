// The two semantics as types: each names its row functions, so a kernel is instantiated once per
// semantics and never tests the mode per row. core/step_views.hpp picks one per call from the plan.
#pragma once

#include <cstdint>

#include "core/ascend_row.hpp"
#include "core/host_device.hpp"
#include "core/row.hpp"
#include "variants/decode/decode_row.hpp"
#include "variants/speculative/speculative_cell.hpp"

namespace advstep::core {

/// vLLM's kernel (spec sections 2 and 3).
struct VllmFormula {
  template <typename SeqLen, typename Block>
  ADVSTEP_HOST_DEVICE static RowFault plain_row(const PlainStep<SeqLen, Block>& step, int64_t i, PlainRow& row) {
    return core::plain_row(step, i, row);
  }
  template <typename SeqLen, typename Block>
  ADVSTEP_HOST_DEVICE static RowFault cell(const SpeculativeStep<SeqLen, Block>& step, int64_t i, int64_t j,
                                           SpeculativeCell& cell) {
    return core::speculative_cell(step, i, j, cell);
  }
  template <typename SeqLen, typename Block>
  ADVSTEP_HOST_DEVICE static void store_cell(const SpeculativeStep<SeqLen, Block>& step, int64_t i, int64_t j,
                                             const SpeculativeCell& cell) {
    core::store_speculative_cell(step, i, j, cell);
  }
  template <typename SeqLen, typename Block>
  ADVSTEP_HOST_DEVICE static RowFault last_token(const SpeculativeStep<SeqLen, Block>& step, int64_t i,
                                                 int64_t& token) {
    return core::last_token(step, i, token);
  }
};

/// The Ascend kernels (spec section 6, core/ascend_row.hpp). Which rows the V1 kernel touches is
/// in the plan (updated_rows, padding_step), not here.
struct AscendFormula {
  template <typename SeqLen, typename Block>
  ADVSTEP_HOST_DEVICE static RowFault plain_row(const PlainStep<SeqLen, Block>& step, int64_t i, PlainRow& row) {
    return core::ascend_plain_row(step, i, row);
  }
  template <typename SeqLen, typename Block>
  ADVSTEP_HOST_DEVICE static RowFault cell(const SpeculativeStep<SeqLen, Block>& step, int64_t i, int64_t j,
                                           SpeculativeCell& cell) {
    return core::ascend_speculative_cell(step, i, j, cell);
  }
  template <typename SeqLen, typename Block>
  ADVSTEP_HOST_DEVICE static void store_cell(const SpeculativeStep<SeqLen, Block>& step, int64_t i, int64_t j,
                                             const SpeculativeCell& cell) {
    core::store_ascend_cell(step, i, j, cell);
  }
  template <typename SeqLen, typename Block>
  ADVSTEP_HOST_DEVICE static RowFault last_token(const SpeculativeStep<SeqLen, Block>& step, int64_t i,
                                                 int64_t& token) {
    return core::ascend_last_token(step, i, token);
  }
};

}  // namespace advstep::core
