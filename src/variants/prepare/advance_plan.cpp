// advance_drafts' argument checks (prepare_step.md sections 3.2, 4 and 10), class by class: 1 a
// required tensor missing, or one an option needs (exactly one of tokens and sampled_token_ids;
// pos_cap for on_cap=pad); 2 a dtype; 3 a shape; 4 a scalar or option; 5 memory, where the in-place
// pairs pos_in = positions and seq_base = seq_lens are allowed as the very same view. Nothing here
// reads a value of a tensor.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/message.hpp"
#include "variants/prepare/argument_rules.hpp"
#include "variants/prepare/prepare_checks.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::variants {

using core::deferred_concat;

Status make_advance_plan(const AdvanceDraftsStep& s, PreparePlan& plan, bool& on_device, std::vector<Named>* tensors) {
  const ArgumentRules check("advstep::advance_drafts");
  const bool rewrite = s.rewrite_query_start_loc;
  const Named idx{"idx_mapping", &s.idx_mapping, false};
  const Named qsl{"query_start_loc", &s.query_start_loc, rewrite};
  const Named positions{"positions", &s.positions, true};
  const Named input_ids{"input_ids", &s.input_ids, true};
  const Named slots{"slot_mapping", &s.slot_mapping, true};
  const Named tokens{"tokens", &s.tokens, false};
  const Named sampled{"sampled_token_ids", &s.sampled_token_ids, false};
  const Named drafts{"draft_tokens", &s.draft_tokens, false};
  const Named pos_in{"pos_in", &s.pos_in, false};
  const Named seq_lens{"seq_lens", &s.seq_lens, true};
  const Named seq_base{"seq_base", &s.seq_base, false};
  const Named seq_sub{"seq_sub", &s.seq_sub, false};
  const Named token_seq_lens{"token_seq_lens", &s.token_seq_lens, true};
  const Named delta{"delta", &s.delta_per_row, false};
  const std::vector<Named> tables = named_tables(s.block_tables);
  std::vector<Named> all = {idx,    qsl,    positions, input_ids, slots,   tokens,         sampled,
                            drafts, pos_in, seq_lens,  seq_base,  seq_sub, token_seq_lens, delta};
  const size_t positions_at = 2;
  const size_t pos_in_at = 8;
  const size_t seq_lens_at = 9;
  const size_t seq_base_at = 10;
  all.insert(all.end(), tables.begin(), tables.end());

  // 1: missing.
  if (Status st = check.present({idx, qsl, positions, input_ids, slots}); !st.ok()) return st;
  if (Status st = check.present(tables); !st.ok()) return st;
  if (s.block_tables.empty()) {
    return check.fail(StatusCode::kNullPointer, "block_tables must hold at least one table", "G >= 1 tables", "none");
  }
  if (tokens.given() == sampled.given()) {
    return check.fail(StatusCode::kNullPointer, "exactly one of tokens and sampled_token_ids is required",
                      "one of the two", tokens.given() ? "both" : "neither");
  }
  if (s.on_cap == OnCap::kPad && !s.pos_cap) {
    return check.fail(StatusCode::kNullPointer, "pos_cap is required when on_cap is pad", "a cap", "none");
  }
  // 2: dtypes.
  if (Status st = check_dtypes(check, all); !st.ok()) return st;
  // 3: shapes.
  const int64_t rows = s.idx_mapping.rank == 1 ? s.idx_mapping.shape[0] : 0;
  const auto per_row = deferred_concat("1-D with at least R = ", rows, " elements");
  if (Status st = check.vector(idx, "1-D [R]", 0); !st.ok()) return st;
  if (Status st = check.vector(qsl, deferred_concat("1-D with at least R + 1 = ", rows + 1, " elements"), rows + 1); !st.ok()) {
    return st;
  }
  if (Status st = check.vector(positions, "1-D [M]", 0); !st.ok()) return st;
  const int64_t m = positions.dim(0);
  if (Status st = check.vector(input_ids, deferred_concat("[M] = [", m, "]"), 0, m); !st.ok()) return st;
  if (Status st = check_slot_mapping(check, slots, static_cast<int64_t>(s.block_tables.size()), m); !st.ok()) return st;
  for (const Named& table : tables) {
    if (Status st = check.matrix(table, "2-D [Rb, W]"); !st.ok()) return st;
  }
  if (Status st = check.vector(delta, per_row, rows); !st.ok()) return st;
  if (Status st = check.vector(tokens, per_row, rows); !st.ok()) return st;
  if (Status st = check.matrix(sampled, deferred_concat("2-D [R, K] with R >= ", rows, " and K >= 1"), rows, 1); !st.ok()) {
    return st;
  }
  if (Status st = check.matrix(drafts, "2-D [Rmax, S]"); !st.ok()) return st;
  // pos_in is read per token: all of [0, M), or one per row when every row is one token (10.1).
  const int64_t pos_in_need = rewrite ? rows : m;
  if (Status st = check.vector(pos_in, deferred_concat("1-D with at least ", pos_in_need, " elements"), pos_in_need); !st.ok()) {
    return st;
  }
  if (Status st = check.vector(seq_lens, per_row, rows); !st.ok()) return st;
  if (Status st = check.vector(seq_base, per_row, rows); !st.ok()) return st;
  if (Status st = check.vector(seq_sub, per_row, rows); !st.ok()) return st;
  if (Status st = check.vector(token_seq_lens, deferred_concat("[M] = [", m, "]"), 0, m); !st.ok()) return st;
  // 4: scalars and options.
  if (Status st = check_groups(check, s.block_size, s.block_tables.size(), s.cp_size, s.cp_rank, s.cp_interleave);
      !st.ok()) {
    return st;
  }
  if (s.pos_cap) {
    if (Status st = check.scalar(*s.pos_cap >= 0, "pos_cap", ">= 0", *s.pos_cap); !st.ok()) return st;
  }
  if (s.seq_cap) {
    if (Status st = check.scalar(*s.seq_cap >= 1, "seq_cap", ">= 1", *s.seq_cap); !st.ok()) return st;
  }
  const auto option = [&check](int32_t value, const char* name) {
    return check.scalar(value == 0 || value == 1, name, "one of its enumerators", value);
  };
  if (Status st = option(static_cast<int32_t>(s.on_cap), "on_cap"); !st.ok()) return st;
  if (Status st = option(static_cast<int32_t>(s.bound), "bound"); !st.ok()) return st;
  if (Status st = option(static_cast<int32_t>(s.seq_lens_tail), "seq_lens_tail"); !st.ok()) return st;
  // 5: memory, then the device.
  if (Status st =
          check_memory_and_device(check, all, {{positions_at, pos_in_at}, {seq_lens_at, seq_base_at}}, on_device);
      !st.ok()) {
    return st;
  }

  if (tensors != nullptr && on_device) *tensors = all;  // only the CUDA memory rule reads them
  plan = PreparePlan{};
  plan.mode = PrepareMode::kAdvance;
  plan.rows = rows;
  plan.tokens = m;
  plan.seq_rows = seq_lens.given() ? seq_lens.dim(0) : 0;
  plan.idx_mapping = input_of(s.idx_mapping);
  plan.query_start_loc = input_of(s.query_start_loc);
  plan.draft_tokens = input_of(s.draft_tokens);
  plan.drafts = plan.draft_tokens.given ? plan.draft_tokens.columns : 0;
  plan.state_rows = plan.draft_tokens.given ? plan.draft_tokens.rows : INT64_MAX;
  set_groups(plan, s.block_tables, s.block_size);
  plan.positions = output_of(s.positions);
  plan.seq_lens = output_of(s.seq_lens);
  plan.slot_mapping = output_of(s.slot_mapping);
  plan.input_ids = output_of(s.input_ids);
  plan.token_seq_lens = output_of(s.token_seq_lens);
  plan.cp_size = s.cp_size;
  plan.cp_rank = s.cp_rank;
  plan.cp_interleave = s.cp_interleave;
  plan.bound = s.bound;
  plan.seq_lens_tail = s.seq_lens_tail;
  plan.num_bonus = 1;
  plan.pos_in = input_of(pos_in.given() ? s.pos_in : s.positions);
  plan.delta_per_row = input_of(s.delta_per_row);
  plan.delta = s.delta;
  plan.bonus_tokens = input_of(s.tokens);
  plan.sampled_token_ids = input_of(s.sampled_token_ids);
  plan.seq_base = input_of(seq_base.given() ? s.seq_base : s.seq_lens);
  plan.seq_sub = input_of(s.seq_sub);
  plan.has_pos_cap = s.pos_cap.has_value();
  plan.pos_cap = s.pos_cap.value_or(0);
  plan.has_seq_cap = s.seq_cap.has_value();
  plan.seq_cap = s.seq_cap.value_or(0);
  plan.on_cap = s.on_cap;
  plan.rewrite_query_start_loc = rewrite;
  if (rewrite) plan.query_start_loc_out = output_of(s.query_start_loc);
  return {};
}

}  // namespace advstep::variants
