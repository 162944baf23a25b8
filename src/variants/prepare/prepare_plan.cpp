// prepare_inputs' argument checks (prepare_step.md sections 4 and 10), class by class, each rule
// once: 1 a required tensor missing, or one an option needs; 2 a dtype other than int32/int64; 3 a
// shape; 4 a scalar or option; 5 memory (outputs contiguous and overlapping nothing). Nothing here
// reads a value of a tensor.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/message.hpp"
#include "variants/prepare/argument_rules.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::variants {
namespace {

using core::concat;

constexpr const char* kApi = "advstep::prepare_inputs";

const ArgumentRules rules(kApi);

}  // namespace

Status make_prepare_plan(const PrepareInputsStep& s, PreparePlan& plan) {
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
  std::vector<Named> tables;  // filled below, then only read
  for (size_t g = 0; g < s.block_tables.size(); ++g) {
    tables.push_back({concat("block_tables[", g, "]"), &s.block_tables[g], false});
  }
  const std::vector<Named> all = {idx,   qsl,    nc,     positions, seq_lens,       slots, input_ids,
                                  last,  drafts, prefill, cu,       logits,         token_seq_lens, dcp};

  // 1: missing.
  if (Status st = rules.present({idx, qsl, nc}); !st.ok()) return st;
  if (s.block_tables.empty()) {
    return rules.fail(StatusCode::kNullPointer, "block_tables must hold at least one table", "G >= 1 tables", "none");
  }
  if (Status st = rules.present({positions, seq_lens, slots}); !st.ok()) return st;
  if (Status st = rules.present(tables); !st.ok()) return st;
  if (Status st = rules.needed(logits.given(), cu, "logits_indices is given"); !st.ok()) return st;
  if (Status st = rules.needed(input_ids.given() && s.num_bonus == 1, last, "input_ids is given with num_bonus = 1");
      !st.ok()) {
    return st;
  }
  // 2: dtypes.
  for (const std::vector<Named>* list : {&all, static_cast<const std::vector<Named>*>(&tables)}) {
    for (const Named& tensor : *list) {
      if (Status st = rules.dtype(tensor); !st.ok()) return st;
    }
  }
  // 3: shapes.
  const int64_t rows = s.idx_mapping.rank == 1 ? s.idx_mapping.shape[0] : 0;
  if (Status st = rules.vector(idx, "1-D [R]", 0); !st.ok()) return st;
  if (Status st = rules.vector(qsl, concat("1-D with at least R + 1 = ", rows + 1, " elements"), rows + 1); !st.ok()) {
    return st;
  }
  if (Status st = rules.state_vector(nc, false); !st.ok()) return st;
  if (Status st = rules.vector(positions, "1-D [M]", 0); !st.ok()) return st;
  const int64_t tokens = positions.dim(0);
  if (Status st = rules.vector(seq_lens, concat("1-D with at least R = ", rows, " elements"), rows); !st.ok()) return st;
  const auto groups = static_cast<int64_t>(s.block_tables.size());
  const bool slots_ok = (slots.view->rank == 2 && slots.dim(0) == groups && slots.dim(1) == tokens) ||
                        (slots.view->rank == 1 && groups == 1 && slots.dim(0) == tokens);
  if (Status st = rules.shape(slots_ok, slots,
                             concat("[", groups, ", ", tokens, "]", groups == 1 ? concat(" or [", tokens, "]") : "",
                                    " (G = ", groups, " tables, M = ", tokens, ")"));
      !st.ok()) {
    return st;
  }
  if (Status st = rules.vector(input_ids, concat("[M] = [", tokens, "]"), 0, tokens); !st.ok()) return st;
  if (Status st = rules.state_vector(last, true); !st.ok()) return st;
  if (Status st = rules.matrix(drafts, "2-D [Rmax, S]"); !st.ok()) return st;
  if (Status st = rules.state_vector(prefill, false); !st.ok()) return st;
  if (Status st = rules.vector(cu, concat("1-D with at least R + 1 = ", rows + 1, " elements"), rows + 1); !st.ok()) {
    return st;
  }
  if (Status st = rules.vector(logits, "1-D", 0); !st.ok()) return st;
  if (Status st = rules.vector(token_seq_lens, concat("[M] = [", tokens, "]"), 0, tokens); !st.ok()) return st;
  const int64_t seq_rows = seq_lens.dim(0);
  if (Status st = rules.vector(dcp, concat("[Rs] = [", seq_rows, "] as seq_lens"), 0, seq_rows); !st.ok()) return st;
  for (const Named& table : tables) {
    if (Status st = rules.matrix(table, "2-D [Rb, W]"); !st.ok()) return st;
  }
  // 4: scalars and options.
  if (Status st = rules.scalar(s.num_bonus == 0 || s.num_bonus == 1, "num_bonus", "0 or 1", s.num_bonus); !st.ok()) {
    return st;
  }
  if (s.block_size.size() != s.block_tables.size()) {
    return rules.fail(StatusCode::kOutOfRange, "block_size must hold one size per table", concat(groups, " sizes"),
                concat(s.block_size.size(), " sizes"));
  }
  for (size_t g = 0; g < s.block_size.size(); ++g) {
    if (Status st = rules.scalar(s.block_size[g] >= 1, concat("block_size[", g, "]"), ">= 1", s.block_size[g]);
        !st.ok()) {
      return st;
    }
  }
  if (Status st = rules.scalar(s.cp_size >= 1, "cp_size", ">= 1", s.cp_size); !st.ok()) return st;
  if (Status st = rules.scalar(s.cp_rank >= 0 && s.cp_rank < s.cp_size, "cp_rank", concat("in [0, ", s.cp_size - 1, "]"),
                              s.cp_rank);
      !st.ok()) {
    return st;
  }
  if (Status st = rules.scalar(s.cp_interleave >= 1, "cp_interleave", ">= 1", s.cp_interleave); !st.ok()) return st;
  if (s.cp_size > 1) {
    for (size_t g = 0; g < s.block_size.size(); ++g) {
      const int64_t size = s.block_size[g];
      if (Status st = rules.scalar(s.cp_interleave <= size && size % s.cp_interleave == 0, "cp_interleave",
                                  concat("a divisor of block_size ", size, " (group ", g, ") when cp_size > 1"),
                                  s.cp_interleave);
          !st.ok()) {
        return st;
      }
    }
  }
  const auto option = [](int32_t value, const char* name) {
    return rules.scalar(value == 0 || value == 1, name, "one of its enumerators", value);
  };
  if (Status st = option(static_cast<int32_t>(s.bound), "bound"); !st.ok()) return st;
  if (Status st = option(static_cast<int32_t>(s.seq_lens_tail), "seq_lens_tail"); !st.ok()) return st;
  if (Status st = option(static_cast<int32_t>(s.token_tail), "token_tail"); !st.ok()) return st;
  // 5: memory, then the device (no CUDA kernel: the variant runs on the host only).
  std::vector<Named> memory = all;
  memory.insert(memory.end(), tables.begin(), tables.end());
  if (Status st = rules.memory(memory); !st.ok()) return st;
  if (Status st = rules.host_only(memory); !st.ok()) return st;

  plan = PreparePlan{};
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
  for (size_t g = 0; g < s.block_tables.size(); ++g) {
    plan.groups.push_back({input_of(s.block_tables[g]), s.block_size[g]});
    plan.state_rows = std::min(plan.state_rows, plan.groups.back().table.rows);
  }
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
