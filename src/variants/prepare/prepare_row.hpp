// The row formulas of prepare_step.md section 2, each once, in exact wide arithmetic (Wide,
// index_tensor.hpp) shared by the host loop and the CUDA kernels: every operand is an int64, so no
// product or sum below can leave the 128-bit range, and the caller checks each result against the
// output it goes to (F6).
#pragma once

#include <cstdint>

#include "core/host_device.hpp"
#include "core/step_formulas.hpp"
#include "variants/prepare/index_tensor.hpp"

namespace advstep::variants {

ADVSTEP_HOST_DEVICE inline Wide wide_min(Wide a, Wide b) {
  return a < b ? a : b;
}
ADVSTEP_HOST_DEVICE inline Wide wide_max(Wide a, Wide b) {
  return a < b ? b : a;
}

/// 2.2, STATE: P = nc + j.
ADVSTEP_HOST_DEVICE inline Wide state_position(int64_t num_computed, int64_t j) {
  return static_cast<Wide>(num_computed) + j;
}

/// 2.2, ADVANCE: P = pos_in + delta; above pos_cap, clamp gives pos_cap and pad gives 0, the token
/// then marked @p capped.
ADVSTEP_HOST_DEVICE inline Wide advance_position(int64_t previous, int64_t delta, bool has_cap, int64_t cap, bool pad,
                                                 bool& capped) {
  const Wide position = core::advanced_position<Wide>(previous, delta);
  capped = false;
  if (!has_cap || position <= cap) return position;
  if (!pad) return cap;
  capped = true;
  return 0;
}

/// 2.3, STATE: seq_lens[b] = nc + L.
ADVSTEP_HOST_DEVICE inline Wide state_seq_len(int64_t num_computed, int64_t length) {
  return static_cast<Wide>(num_computed) + length;
}

/// 2.3, ADVANCE: min(src + delta, seq_cap), or 1 for a padded row.
ADVSTEP_HOST_DEVICE inline Wide advance_seq_len(Wide source, int64_t delta, bool has_cap, int64_t cap, bool capped) {
  if (capped) return 1;
  const Wide length = source + delta;
  return has_cap ? wide_min(length, cap) : length;
}

/// 2.5: logits_indices[cu[b] + k] = qe - NL + k.
ADVSTEP_HOST_DEVICE inline Wide logits_index(int64_t query_end, int64_t num_logits, int64_t k) {
  return static_cast<Wide>(query_end) - num_logits + k;
}

/// 2.5: a decode row has seq_lens[b] > prefill_len[r].
ADVSTEP_HOST_DEVICE inline bool is_decode_row(Wide seq_len, int64_t prefill_len) {
  return seq_len > prefill_len;
}

/// 2.5: the bonus token is written with nb = 1 when the row is past its prompt (the prompt-tail guard).
ADVSTEP_HOST_DEVICE inline bool writes_bonus(int64_t num_bonus, Wide seq_len, int64_t num_logits, int64_t prefill_len) {
  return num_bonus == 1 && seq_len - num_logits >= prefill_len;
}

/// 2.6 and F5: the block column P // (B * cp) of a position P >= 0.
ADVSTEP_HOST_DEVICE inline Wide block_column(Wide position, int64_t block_size, int64_t cp_size) {
  if (cp_size == 1 && position >= 0 && position <= INT64_MAX) {  // the usual case, without a 128-bit divide
    return static_cast<int64_t>(position) / block_size;
  }
  return position / (static_cast<Wide>(block_size) * cp_size);
}

/// 2.6: whether this rank holds position P's KV (always with cp = 1).
ADVSTEP_HOST_DEVICE inline bool is_local(Wide position, int64_t block_size, int64_t cp_size, int64_t cp_rank,
                                         int64_t interleave) {
  if (cp_size == 1) return true;
  const Wide offset = position % (static_cast<Wide>(block_size) * cp_size);
  return (offset / interleave) % cp_size == cp_rank;
}

/// 2.6: id * B + (o // (I * cp)) * I + o % I with o = P % (B * cp); for cp = 1 and I = 1 this is
/// id * B + P % B, so one expression serves both.
ADVSTEP_HOST_DEVICE inline Wide slot(int64_t block_id, Wide position, int64_t block_size, int64_t cp_size,
                                     int64_t interleave) {
  if (cp_size == 1 && position >= 0 && position <= INT64_MAX) {  // id * B + P % B, without a 128-bit divide
    return core::slot_in_block<Wide>(block_id, block_size, static_cast<int64_t>(position) % block_size);
  }
  const Wide offset = position % (static_cast<Wide>(block_size) * cp_size);
  return core::slot_in_block<Wide>(
      block_id, block_size, (offset / (static_cast<Wide>(interleave) * cp_size)) * interleave + offset % interleave);
}

/// 2.7: the tokens of a length-s sequence this DCP rank holds.
ADVSTEP_HOST_DEVICE inline Wide dcp_local_seq_len(Wide seq_len, int64_t cp_size, int64_t cp_rank, int64_t interleave) {
  const Wide span = static_cast<Wide>(cp_size) * interleave;
  const Wide rest = seq_len % span - static_cast<Wide>(cp_rank) * interleave;
  return (seq_len / span) * interleave + wide_min(wide_max(rest, 0), interleave);
}

}  // namespace advstep::variants
