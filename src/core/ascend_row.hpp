// The Ascend NPU kernels' per-row formulas (spec section 6), as ops-nn's advance_step kernels
// compute them, shared by every backend like the vLLM formulas of row.hpp.
//
// V1 (KernelAdvanceStep) is scalar int64 code: it reads the block id from row 0 at pos / B and
// adds W * i to the value; division truncates toward zero as in C, so a small negative length
// still reads entry 0. V2 (KernelAdvanceStepSpec) casts positions to int32, adds acceptedNum and 1,
// divides and multiplies by int32(B), reads block ids into an int, and casts back: everything wraps
// at 32 bits. Its last token is the argmin of the row converted to float with -1 appended.
//
// What the kernels do with an index outside a buffer cannot be reproduced; it stays a data fault,
// and so does a row whose argmin is its first column (the kernel reads the element before it).
#pragma once

#include <cstdint>

#include "core/host_device.hpp"
#include "core/row.hpp"
#include "variants/decode/decode_row.hpp"
#include "variants/speculative/speculative_cell.hpp"

namespace advstep::core {

/// Two's-complement arithmetic, as the NPU's scalar and vector units do it.
ADVSTEP_HOST_DEVICE inline int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
ADVSTEP_HOST_DEVICE inline int64_t wrapping_mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
/// The low 32 bits as a signed value: an int64 -> int32 cast (CAST_NONE) or an int32 sum that wrapped.
ADVSTEP_HOST_DEVICE inline int32_t low32(int64_t value) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(value)));
}

// ---- V1 ----------------------------------------------------------------------------------------

/// Query row i < min(Q, cores): slot = (bt[pos / B] + W * i) * B + pos % B, in wrapping int64.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline RowFault ascend_plain_row(const PlainStep<SeqLen, Block>& step, int64_t i, PlainRow& row) {
  const auto pos = static_cast<int64_t>(step.seq_lens[i]);
  const int64_t block_size = step.table.block_size.divisor();
  const int64_t block = pos / block_size;  // toward zero, as the kernel's scalar division
  const int64_t offset = pos % block_size;
  if (RowFault fault = block_index_fault(step.table, i, 0, block, 0, pos); !fault.ok()) return fault;
  const auto block_id = static_cast<int64_t>(step.table.entries[block]);
  row.token = step.sampled_token_ids[i];
  row.position = pos;
  row.slot = wrapping_add(wrapping_mul(wrapping_add(block_id, wrapping_mul(step.table.stride, i)), block_size), offset);
  return {};
}

// ---- V2 ----------------------------------------------------------------------------------------

/// Cell (i, j): p = int32(position) + int32(acceptedNum[i]) + 1, slot = int32(bt[i, p / B]) * B + p % B,
/// all in int32 (B fits int32: the plan checks it). position and slot hold the int32 results.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline RowFault ascend_speculative_cell(const SpeculativeStep<SeqLen, Block>& step, int64_t i,
                                                            int64_t j, SpeculativeCell& cell) {
  const int64_t k = i * (step.spec_num + 1) + j;
  const int32_t pos = low32(wrapping_add(wrapping_add(low32(step.input_positions[k]), low32(step.accepted_num[i])), 1));
  const auto block_size = static_cast<int32_t>(step.table.block_size.divisor());
  const int32_t block = pos / block_size;
  const int32_t offset = pos % block_size;
  const int64_t row_start = i * step.table.stride;
  if (RowFault fault = block_index_fault(step.table, i, j, block, row_start, pos); !fault.ok()) return fault;
  const int32_t block_id = low32(static_cast<int64_t>(step.table.entries[row_start + block]));
  cell.position = pos;
  cell.slot = low32(wrapping_add(wrapping_mul(block_id, block_size), offset));
  return {};
}

/// seqLens = int32(p + 1): the kernel adds 1 to the int32 position before casting back.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline void store_ascend_cell(const SpeculativeStep<SeqLen, Block>& step, int64_t i, int64_t j,
                                                  const SpeculativeCell& cell) {
  const int64_t k = i * (step.spec_num + 1) + j;
  step.input_positions[k] = cell.position;
  step.seq_lens[k] = static_cast<SeqLen>(low32(wrapping_add(cell.position, 1)));
  step.slot_mapping[k] = cell.slot;
}

/// The kernel's last token: the row converted to float (round to nearest even), -1 appended, the
/// index m of its minimum (the first one on ties), and the int64 token at m - 1. So a value below -1
/// wins over a later -1, and ids that round to the same float tie. m == 0 reads before the row.
template <typename SeqLen, typename Block>
ADVSTEP_HOST_DEVICE inline RowFault ascend_last_token(const SpeculativeStep<SeqLen, Block>& step, int64_t i,
                                                      int64_t& token) {
  const int64_t width = step.spec_num + 1;
  const int64_t row = i * width;
  int64_t m = 0;
  float least = static_cast<float>(step.sampled_token_ids[row]);
  for (int64_t c = 1; c < width; ++c) {
    const auto value = static_cast<float>(step.sampled_token_ids[row + c]);
    if (value < least) {
      least = value;
      m = c;
    }
  }
  if (-1.0f < least) m = width;  // the appended -1
  if (m == 0) return {FaultKind::kSampledRowStartsEmpty, i, 0, step.sampled_token_ids[row], 0};
  token = step.sampled_token_ids[row + m - 1];
  return {};
}

}  // namespace advstep::core
