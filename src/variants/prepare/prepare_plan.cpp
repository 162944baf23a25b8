// prepare_inputs' argument checks (prepare_step.md sections 4 and 10), class by class: 1 a required
// tensor missing, or one an option needs; 2 a dtype other than int32/int64; 3 a shape; 4 a scalar or
// option; 5 memory (outputs contiguous and overlapping nothing, one device). Nothing here reads a
// value of a tensor.
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

Status make_prepare_plan(const PrepareInputsStep& s, PreparePlan& plan, bool& on_device, std::vector<Named>* tensors) {
  const ArgumentRules check("advstep::prepare_inputs");
  const Named idx{"idx_mapping", &s.idx_mapping, false};
  const Named qsl{"query_start_loc", &s.query_start_loc, false};
  const Named nc{"num_computed_tokens", &s.num_computed_tokens, false};
  const Named positions{"positions", &s.positions, true};
  const Named seq_lens{"seq_lens", &s.seq_lens, true};
  const Named slots{"slot_mapping", &s.slot_mapping, true};
  const Named input_ids{"input_ids", &s.input_ids, true};
  const Named last{"last_sampled_tokens", &s.last_sampled_tokens, false};
  const Named drafts{"draft_tokens", &s.draft_tokens, false};
  const Named prefill{"prefill_len", &s.prefill_len, false};
  const Named cu{"cu_num_logits", &s.cu_num_logits, false};
  const Named logits{"logits_indices", &s.logits_indices, true};
  const Named token_seq_lens{"token_seq_lens", &s.token_seq_lens, true};
  const Named dcp{"dcp_local_seq_lens", &s.dcp_local_seq_lens, true};
  const std::vector<Named> tables = named_tables(s.block_tables);
  std::vector<Named> all = {idx,  qsl,    nc,      positions, seq_lens, slots,          input_ids,
                            last, drafts, prefill, cu,        logits,   token_seq_lens, dcp};
  all.insert(all.end(), tables.begin(), tables.end());

  // 1: missing.
  if (Status st = check.present({idx, qsl, nc}); !st.ok()) return st;
  if (s.block_tables.empty()) {
    return check.fail(StatusCode::kNullPointer, "block_tables must hold at least one table", "G >= 1 tables", "none");
  }
  if (Status st = check.present({positions, seq_lens, slots}); !st.ok()) return st;
  if (Status st = check.present(tables); !st.ok()) return st;
  if (Status st = check.needed(logits.given(), cu, "logits_indices is given"); !st.ok()) return st;
  if (Status st = check.needed(input_ids.given() && s.num_bonus == 1, last, "input_ids is given with num_bonus = 1");
      !st.ok()) {
    return st;
  }
  // 2: dtypes.
  if (Status st = check_dtypes(check, all); !st.ok()) return st;
  // 3: shapes.
  const int64_t rows = s.idx_mapping.rank == 1 ? s.idx_mapping.shape[0] : 0;
  if (Status st = check.vector(idx, "1-D [R]", 0); !st.ok()) return st;
  if (Status st = check.vector(qsl, deferred_concat("1-D with at least R + 1 = ", rows + 1, " elements"), rows + 1); !st.ok()) {
    return st;
  }
  if (Status st = check.state_vector(nc, false); !st.ok()) return st;
  if (Status st = check.vector(positions, "1-D [M]", 0); !st.ok()) return st;
  const int64_t tokens = positions.dim(0);
  if (Status st = check.vector(seq_lens, deferred_concat("1-D with at least R = ", rows, " elements"), rows); !st.ok()) {
    return st;
  }
  const auto groups = static_cast<int64_t>(s.block_tables.size());
  if (Status st = check_slot_mapping(check, slots, groups, tokens); !st.ok()) return st;
  if (Status st = check.vector(input_ids, deferred_concat("[M] = [", tokens, "]"), 0, tokens); !st.ok()) return st;
  if (Status st = check.state_vector(last, true); !st.ok()) return st;
  if (Status st = check.matrix(drafts, "2-D [Rmax, S]"); !st.ok()) return st;
  if (Status st = check.state_vector(prefill, false); !st.ok()) return st;
  if (Status st = check.vector(cu, deferred_concat("1-D with at least R + 1 = ", rows + 1, " elements"), rows + 1); !st.ok()) {
    return st;
  }
  if (Status st = check.vector(logits, "1-D", 0); !st.ok()) return st;
  if (Status st = check.vector(token_seq_lens, deferred_concat("[M] = [", tokens, "]"), 0, tokens); !st.ok()) return st;
  const int64_t seq_rows = seq_lens.dim(0);
  if (Status st = check.vector(dcp, deferred_concat("[Rs] = [", seq_rows, "] as seq_lens"), 0, seq_rows); !st.ok()) return st;
  for (const Named& table : tables) {
    if (Status st = check.matrix(table, "2-D [Rb, W]"); !st.ok()) return st;
  }
  // 4: scalars and options.
  if (Status st = check.scalar(s.num_bonus == 0 || s.num_bonus == 1, "num_bonus", "0 or 1", s.num_bonus); !st.ok()) {
    return st;
  }
  if (Status st = check_groups(check, s.block_size, s.block_tables.size(), s.cp_size, s.cp_rank, s.cp_interleave);
      !st.ok()) {
    return st;
  }
  const auto option = [&check](int32_t value, const char* name) {
    return check.scalar(value == 0 || value == 1, name, "one of its enumerators", value);
  };
  if (Status st = option(static_cast<int32_t>(s.bound), "bound"); !st.ok()) return st;
  if (Status st = option(static_cast<int32_t>(s.seq_lens_tail), "seq_lens_tail"); !st.ok()) return st;
  if (Status st = option(static_cast<int32_t>(s.token_tail), "token_tail"); !st.ok()) return st;
  // 5: memory, then the device.
  if (Status st = check_memory_and_device(check, all, {}, on_device); !st.ok()) return st;

  if (tensors != nullptr && on_device) *tensors = all;  // only the CUDA memory rule reads them
  plan = PreparePlan{};
  plan.mode = PrepareMode::kState;
  plan.rows = rows;
  plan.tokens = tokens;
  plan.seq_rows = seq_rows;
  plan.idx_mapping = input_of(s.idx_mapping);
  plan.query_start_loc = input_of(s.query_start_loc);
  plan.num_computed_tokens = input_of(s.num_computed_tokens);
  plan.last_sampled_tokens = input_of(s.last_sampled_tokens);
  plan.draft_tokens = input_of(s.draft_tokens);
  plan.prefill_len = input_of(s.prefill_len);
  plan.cu_num_logits = input_of(s.cu_num_logits);
  plan.drafts = plan.draft_tokens.given ? plan.draft_tokens.columns : 0;
  plan.state_rows = plan.num_computed_tokens.rows;
  for (const IndexInput* state : {&plan.last_sampled_tokens, &plan.draft_tokens, &plan.prefill_len}) {
    if (state->given) plan.state_rows = std::min(plan.state_rows, state->rows);
  }
  set_groups(plan, s.block_tables, s.block_size);
  plan.positions = output_of(s.positions);
  plan.seq_lens = output_of(s.seq_lens);
  plan.slot_mapping = output_of(s.slot_mapping);
  plan.input_ids = output_of(s.input_ids);
  plan.logits_indices = output_of(s.logits_indices);
  plan.token_seq_lens = output_of(s.token_seq_lens);
  plan.dcp_local_seq_lens = output_of(s.dcp_local_seq_lens);
  plan.num_bonus = s.num_bonus;
  plan.cp_size = s.cp_size;
  plan.cp_rank = s.cp_rank;
  plan.cp_interleave = s.cp_interleave;
  plan.bound = s.bound;
  plan.seq_lens_tail = s.seq_lens_tail;
  plan.token_tail = s.token_tail;
  return {};
}

}  // namespace advstep::variants
