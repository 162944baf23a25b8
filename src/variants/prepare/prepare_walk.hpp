// The prepare step's walk over a batch, shared by the host loop (prepare_cpu.cpp) and the CUDA kernels
// (prepare_cuda.cu): the checks, in the spec's order (10.6), as numbered items, and the per-row and
// per-token logic of both modes, each written once. A row function either checks (write = false) or
// checks and writes (write = true); the writing pass runs only after a checking pass over every item
// found no fault, so a fault leaves every tensor as it was.
//
// Check items, in the order their faults are reported: 0 qsl[0]; 1 + b qsl decreasing at b; 1 + R
// qsl[R] > M; 2 + R cu[0]; 3 + R + b cu decreasing at b; 3 + 2R cu[R] past logits_indices; 4 + 2R + b
// row b (its own checks in class order, then its tokens in increasing t). A parallel checker reduces
// to the smallest item with a fault. A row whose own query range is broken (which only a broken qsl
// can cause, an earlier item) is skipped, so that no item reads past a tensor.
#pragma once

#include <cstdint>

#include "core/host_device.hpp"
#include "core/step_formulas.hpp"
#include "variants/prepare/prepare_fault.hpp"
#include "variants/prepare/prepare_plan.hpp"
#include "variants/prepare/prepare_row.hpp"

// The row functions are large; on a GPU each token is one call rather than inlined copies in every
// kernel, which keeps the kernels within their registers (no spills).
#if defined(__CUDACC__)
#define ADVSTEP_PREPARE_CALL __host__ __device__ __noinline__
#else
#define ADVSTEP_PREPARE_CALL inline
#endif

namespace advstep::variants {

/// F6 for one value of output @p out; stores it when @p write.
ADVSTEP_HOST_DEVICE inline PrepareFault put(const IndexOutput& out, PrepareOutput which, int64_t i, Wide value,
                                            const PreparePlace& at, bool write) {
  if (!out.fits_wide(value)) {
    PrepareFault fault = make_fault(PrepareReason::kDoesNotFit, at, value);
    fault.output = which;
    fault.element = i;
    fault.narrow = out.narrow;
    return fault;
  }
  if (write) out.store(i, static_cast<int64_t>(value));
  return {};
}

/// 2.6 and F5 for group g: the token's slot, or -1 for a token another DCP rank holds.
ADVSTEP_HOST_DEVICE inline PrepareFault token_slot(const PreparePlan& p, int32_t g, const PreparePlace& at,
                                                   Wide position, Wide& slot_value) {
  const PrepareGroup& group = p.groups[g];
  const IndexInput& table = group.table;
  const Wide column = block_column(position, group.block_size, p.cp_size);
  const Wide row_start = static_cast<Wide>(at.r) * table.columns;
  const Wide entry = row_start + column;
  if (core::block_column_outside<Wide>(column, row_start, table.columns, static_cast<Wide>(table.rows) * table.columns,
                                       p.bound == BlockBound::kRow)) {
    PrepareFault fault = make_fault(PrepareReason::kBlockIndex, at, column, position);
    fault.group = g;
    return fault;
  }
  if (!is_local(position, group.block_size, p.cp_size, p.cp_rank, p.cp_interleave)) {
    slot_value = -1;
    return {};
  }
  // entry >= 0 here; one that fits 64 bits (every real table) is split by a 64-bit division.
  const int64_t row = table.columns == 0    ? 0
                      : entry <= INT64_MAX ? static_cast<int64_t>(entry) / table.columns
                                           : static_cast<int64_t>(entry / table.columns);
  const auto block_id = table.at(row, static_cast<int64_t>(entry - static_cast<Wide>(row) * table.columns));
  if (block_id < 0) {
    PrepareFault fault = make_fault(PrepareReason::kNegativeBlockId, at, block_id, column);
    fault.group = g;
    return fault;
  }
  slot_value = slot(block_id, position, group.block_size, p.cp_size, p.cp_interleave);
  return {};
}

/// One token of either mode at position @p position: F5 over every group (none for a capped token),
/// then F6 and the writes of positions, token_seq_lens, slot_mapping and (when @p has_token) input_ids.
ADVSTEP_PREPARE_CALL PrepareFault prepare_token(const PreparePlan& p, const PreparePlace& at, Wide position,
                                                bool capped, bool has_token, int64_t token, bool write) {
  Wide slot_value = -1;
  if (!capped) {
    for (int32_t g = 0; g < p.group_count; ++g) {
      if (PrepareFault f = token_slot(p, g, at, position, slot_value); !f.ok()) return f;
    }
  }
  const int64_t t = at.t;
  if (PrepareFault f = put(p.positions, PrepareOutput::kPositions, t, position, at, write); !f.ok()) return f;
  if (p.token_seq_lens.given) {
    if (PrepareFault f =
            put(p.token_seq_lens, PrepareOutput::kTokenSeqLens, t, core::length_through(position), at, write);
        !f.ok()) {
      return f;
    }
  }
  for (int32_t g = 0; g < p.group_count; ++g) {
    if (!capped && p.group_count > 1) (void)token_slot(p, g, at, position, slot_value);  // checked above
    if (PrepareFault f =
            put(p.slot_mapping, PrepareOutput::kSlotMapping, g * p.tokens + t, capped ? -1 : slot_value, at, write);
        !f.ok()) {
      return f;
    }
  }
  if (has_token) return put(p.input_ids, PrepareOutput::kInputIds, t, token, at, write);
  return {};
}

/// A row's query range [qs, qe) when it lies within [0, M), as a valid qsl guarantees.
ADVSTEP_HOST_DEVICE inline bool row_range(const PreparePlan& p, int64_t b, int64_t& qs, int64_t& qe) {
  qs = p.query_start(b);
  qe = p.query_start(b + 1);
  return qs >= 0 && qs <= qe && qe <= p.tokens;
}

/// F4 per row in STATE mode: NL >= nb, NL <= L and D <= S with input_ids; NL <= L with logits_indices (10.7).
ADVSTEP_HOST_DEVICE inline PrepareFault state_logits_rule(const PreparePlan& p, const PreparePlace& at, int64_t logits,
                                                          int64_t drafts, int64_t length) {
  const bool token_rules = p.input_ids.given;
  if (token_rules && logits < p.num_bonus) {
    return make_fault(PrepareReason::kFewerLogitsThanBonus, at, logits, length, drafts);
  }
  if ((token_rules || p.logits_indices.given) && logits > length) {
    return make_fault(PrepareReason::kMoreLogitsThanTokens, at, logits, length, drafts);
  }
  if (token_rules && drafts > p.drafts)
    return make_fault(PrepareReason::kMoreDraftsThanWidth, at, logits, length, drafts);
  return {};
}

/// Row b in STATE mode (prepare_inputs, spec 3.1).
ADVSTEP_HOST_DEVICE inline PrepareFault state_row(const PreparePlan& p, int64_t b, bool write) {
  int64_t qs = 0;
  int64_t qe = 0;
  if (!row_range(p, b, qs, qe)) return {};
  const int64_t length = qe - qs;
  const int64_t r = p.idx_mapping.at(b);
  const PreparePlace row_at = at_state_row(b, r);
  if (r < 0 || r >= p.state_rows) return make_fault(PrepareReason::kRowIndex, row_at);
  const int64_t computed = p.num_computed_tokens.at(r);
  if (computed < 0) return make_fault(PrepareReason::kNegativeComputed, row_at, computed);
  const IndexInput& cu = p.cu_num_logits;
  const int64_t logits = cu.given ? cu.at(b + 1) - cu.at(b) : p.num_bonus;
  const int64_t drafts = logits - p.num_bonus;
  if (PrepareFault f = state_logits_rule(p, row_at, logits, drafts, length); !f.ok()) return f;
  const Wide seq_len = state_seq_len(computed, length);
  if (PrepareFault f = put(p.seq_lens, PrepareOutput::kSeqLens, b, seq_len, row_at, write); !f.ok()) return f;
  if (p.dcp_local_seq_lens.given) {
    const Wide local = dcp_local_seq_len(seq_len, p.cp_size, p.cp_rank, p.cp_interleave);
    if (PrepareFault f = put(p.dcp_local_seq_lens, PrepareOutput::kDcpLocalSeqLens, b, local, row_at, write); !f.ok()) {
      return f;
    }
  }
  if (p.logits_indices.given) {
    for (int64_t k = 0; k < logits; ++k) {
      const Wide index = logits_index(qe, logits, k);
      if (PrepareFault f = put(p.logits_indices, PrepareOutput::kLogitsIndices, cu.at(b) + k, index, row_at, write);
          !f.ok()) {
        return f;
      }
    }
  }
  // The tokens this row writes, [first_token, qe): the bonus at qe - NL, the drafts after it.
  int64_t bonus_at = -1;
  int64_t drafts_from = qe;
  if (p.input_ids.given) {
    const int64_t prompt = p.prefill_len.given ? p.prefill_len.at(r) : 0;
    if (is_decode_row(seq_len, prompt)) {
      if (writes_bonus(p.num_bonus, seq_len, logits, prompt)) bonus_at = qe - logits;
      drafts_from = qe - drafts;
    }
  }
  for (int64_t j = 0; j < length; ++j) {
    const int64_t t = qs + j;
    int64_t token = 0;
    bool has_token = false;
    if (t == bonus_at) {
      token = p.last_sampled_tokens.at(r);
      has_token = true;
    } else if (t >= drafts_from) {
      token = p.draft_tokens.at(r, t - drafts_from);
      has_token = true;
    }
    const Wide position = state_position(computed, j);
    if (PrepareFault f = prepare_token(p, at_token(b, r, t), position, false, has_token, token, write); !f.ok()) {
      return f;
    }
  }
  return {};
}

/// 2.5, V2's lastToken: the element before the first -1, else the last; false when the row starts with -1.
ADVSTEP_HOST_DEVICE inline bool last_token(const IndexInput& sampled, int64_t b, int64_t& token) {
  for (int64_t k = 0; k < sampled.columns; ++k) {
    const int64_t value = sampled.at(b, k);
    if (value == -1) return k > 0;
    token = value;
  }
  return true;
}

/// Row b in ADVANCE mode (advance_drafts, spec 3.2). pos_in and seq_base may be positions and seq_lens
/// themselves: each is read at an element before that element is written.
ADVSTEP_HOST_DEVICE inline PrepareFault advance_row(const PreparePlan& p, int64_t b, bool write) {
  int64_t qs = 0;
  int64_t qe = 0;
  if (!row_range(p, b, qs, qe)) return {};
  const int64_t length = qe - qs;
  const int64_t r = p.idx_mapping.at(b);
  const PreparePlace row_at = at_state_row(b, r);
  if (r < 0 || r >= p.state_rows) return make_fault(PrepareReason::kRowIndex, row_at);
  const int64_t delta = p.delta_per_row.given ? p.delta_per_row.at(b) : p.delta;
  const bool pad = p.on_cap == OnCap::kPad;
  Wide source = 0;
  if (p.seq_lens.given) {
    source = static_cast<Wide>(p.seq_base.at(b)) - (p.seq_sub.given ? p.seq_sub.at(b) : 0);
    if (source < 0 || (p.has_seq_cap && source > p.seq_cap)) {
      return make_fault(PrepareReason::kLengthSource, row_at, source, p.has_seq_cap ? p.seq_cap : -1);
    }
  }
  bool capped_row = false;
  if (pad && length == 1) (void)advance_position(p.pos_in.at(qs), delta, p.has_pos_cap, p.pos_cap, pad, capped_row);
  Wide seq_len = 0;
  if (p.seq_lens.given) {
    seq_len = advance_seq_len(source, delta, p.has_seq_cap, p.seq_cap, capped_row);
    if (seq_len < 0) return make_fault(PrepareReason::kNegativeLength, row_at, source, delta);
  }
  if (length < 1) return make_fault(PrepareReason::kNoBonusToken, row_at, length);
  if (length - 1 > p.drafts) return make_fault(PrepareReason::kMoreDraftsThanWidth, row_at, length, length, length - 1);
  if (pad && length != 1) return make_fault(PrepareReason::kPadNeedsOneToken, row_at, length);
  if (p.seq_lens.given) {
    if (PrepareFault f = put(p.seq_lens, PrepareOutput::kSeqLens, b, seq_len, row_at, write); !f.ok()) return f;
  }
  int64_t bonus = 0;
  if (p.bonus_tokens.given) {
    bonus = p.bonus_tokens.at(b);
  } else if (!last_token(p.sampled_token_ids, b, bonus)) {
    return make_fault(PrepareReason::kSampledStartsEmpty, row_at);
  }
  for (int64_t j = 0; j < length; ++j) {
    const int64_t t = qs + j;
    const int64_t previous = p.pos_in.at(t);
    bool capped = false;
    const Wide position = advance_position(previous, delta, p.has_pos_cap, p.pos_cap, pad, capped);
    const PreparePlace at = at_token(b, r, t);
    if (position < 0) return make_fault(PrepareReason::kNegativePosition, at, previous, delta);
    const int64_t token = j == 0 ? bonus : p.draft_tokens.at(r, j - 1);
    if (PrepareFault f = prepare_token(p, at, position, capped, true, token, write); !f.ok()) return f;
  }
  return {};
}

ADVSTEP_HOST_DEVICE inline PrepareFault prepare_row(const PreparePlan& p, int64_t b, bool write) {
  return p.advance() ? advance_row(p, b, write) : state_row(p, b, write);
}

/// The number of check items (see the top of this file).
ADVSTEP_HOST_DEVICE inline int64_t check_item_count(const PreparePlan& p) {
  return 3 * p.rows + 4;
}

/// Check item @p key: a global check of query_start_loc or cu_num_logits, or a row.
ADVSTEP_HOST_DEVICE inline PrepareFault check_item(const PreparePlan& p, int64_t key) {
  const int64_t rows = p.rows;
  if (key <= rows + 1) {  // F2: query_start_loc (rewritten: only its end can fail, R > M)
    if (key == 0) {
      const int64_t first = p.query_start(0);
      return first == 0 ? PrepareFault{} : make_fault(PrepareReason::kQslFirst, at_row(0), first);
    }
    if (key == rows + 1) {
      const int64_t end = p.query_start(rows);
      return end <= p.tokens ? PrepareFault{} : make_fault(PrepareReason::kQslPastTokens, at_row(rows), end);
    }
    const int64_t b = key - 1;
    const int64_t from = p.query_start(b);
    const int64_t to = p.query_start(b + 1);
    return to >= from ? PrepareFault{} : make_fault(PrepareReason::kQslDecreasing, at_row(b), from, to);
  }
  if (key <= 2 * rows + 3) {  // F4: cu_num_logits
    const IndexInput& cu = p.cu_num_logits;
    if (!cu.given) return {};
    if (key == rows + 2) {
      return cu.at(0) == 0 ? PrepareFault{} : make_fault(PrepareReason::kCuFirst, at_row(0), cu.at(0));
    }
    if (key == 2 * rows + 3) {
      const bool fits = !p.logits_indices.given || cu.at(rows) <= p.logits_indices.numel;
      return fits ? PrepareFault{}
                  : make_fault(PrepareReason::kCuPastLogits, at_row(rows), cu.at(rows), p.logits_indices.numel);
    }
    const int64_t b = key - (rows + 3);
    return cu.at(b + 1) >= cu.at(b) ? PrepareFault{}
                                    : make_fault(PrepareReason::kCuDecreasing, at_row(b), cu.at(b), cu.at(b + 1));
  }
  return prepare_row(p, key - (2 * rows + 4), false);
}

/// The number of write items: rows, and the tails' elements.
ADVSTEP_HOST_DEVICE inline int64_t write_item_count(const PreparePlan& p) {
  int64_t count = p.rows > p.tokens ? p.rows : p.tokens;
  if (p.seq_rows > count) count = p.seq_rows;
  if (p.query_start_loc_out.given && p.query_start_loc_out.numel > count) count = p.query_start_loc_out.numel;
  return count;
}

/// Write item @p i, after a check found no fault: row i, and element i of every tail (2.8).
ADVSTEP_HOST_DEVICE inline void write_item(const PreparePlan& p, int64_t i) {
  const int64_t rows = p.rows;
  if (i < rows) (void)prepare_row(p, i, true);
  if (i >= p.query_start(rows) && i < p.tokens) {
    for (int32_t g = 0; g < p.group_count; ++g) p.slot_mapping.store(g * p.tokens + i, -1);
    if (p.token_tail == TokenTail::kZero) {
      p.positions.store(i, 0);
      if (p.input_ids.given) p.input_ids.store(i, 0);
    }
  }
  if (i >= rows && i < p.seq_rows && p.seq_lens_tail == SeqLensTail::kZero) {
    p.seq_lens.store(i, 0);
    if (p.dcp_local_seq_lens.given) p.dcp_local_seq_lens.store(i, 0);
  }
  if (p.query_start_loc_out.given && i < p.query_start_loc_out.numel) {
    p.query_start_loc_out.store(i, i < rows ? i : rows);
  }
}

}  // namespace advstep::variants
