// post_update's argument checks (prepare_step.md sections 4 and 10.11), class by class with the
// rules the prepare-step operations share (argument_rules.hpp): 1 a required tensor missing, or
// total_len and all_token_ids not given together; 2 a dtype other than int32/int64; 3 a shape;
// 5 memory (the in/out state contiguous and overlapping nothing). It takes no scalar (class 4).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/message.hpp"
#include "variants/prepare/argument_rules.hpp"
#include "variants/prepare/post_update_plan.hpp"

namespace advstep::variants {

std::vector<Named> post_update_tensors(const PostUpdateStep& s) {
  // The in/out state is an output: contiguous, overlapping nothing.
  return {{"idx_mapping", &s.idx_mapping, false},        {"num_computed_tokens", &s.num_computed_tokens, true},
          {"last_sampled_tokens", &s.last_sampled_tokens, true}, {"sampled_tokens", &s.sampled_tokens, false},
          {"num_sampled", &s.num_sampled, false},        {"num_rejected", &s.num_rejected, false},
          {"query_start_loc", &s.query_start_loc, false}, {"total_len", &s.total_len, true},
          {"all_token_ids", &s.all_token_ids, true}};
}

Status make_post_update_plan(const PostUpdateStep& s, PostUpdatePlan& plan) {
  using core::concat;
  const ArgumentRules rules("advstep::post_update");
  const std::vector<Named> all = post_update_tensors(s);
  const Named& idx = all[0];
  const Named& nc = all[1];
  const Named& last = all[2];
  const Named& sampled = all[3];
  const Named& num_sampled = all[4];
  const Named& num_rejected = all[5];
  const Named& qsl = all[6];
  const Named& total_len = all[7];
  const Named& history = all[8];

  // 1: missing; the history comes in one piece (10.11).
  if (Status st = rules.present({idx, nc, last, sampled, num_sampled, num_rejected}); !st.ok()) return st;
  if (Status st = rules.needed(history.given(), total_len, "all_token_ids is given"); !st.ok()) return st;
  if (Status st = rules.needed(total_len.given(), history, "total_len is given"); !st.ok()) return st;
  // 2: dtypes.
  for (const Named& tensor : all) {
    if (Status st = rules.dtype(tensor); !st.ok()) return st;
  }
  // 3: shapes. Per-row inputs may be longer than R (10.3: their first R rows are read).
  if (Status st = rules.vector(idx, "1-D [R]", 0); !st.ok()) return st;
  const int64_t rows = idx.dim(0);
  if (Status st = rules.state_vector(nc, false); !st.ok()) return st;
  if (Status st = rules.state_vector(last, true); !st.ok()) return st;
  if (Status st = rules.matrix(sampled, core::deferred_concat("2-D [R, K] with R >= ", rows, " and K >= 1"), rows, 1); !st.ok()) {
    return st;
  }
  const auto per_row = core::deferred_concat("1-D with at least R = ", rows, " elements");
  if (Status st = rules.vector(num_sampled, per_row, rows); !st.ok()) return st;
  if (Status st = rules.vector(num_rejected, per_row, rows); !st.ok()) return st;
  if (Status st = rules.vector(qsl, core::deferred_concat("1-D with at least R + 1 = ", rows + 1, " elements"), rows + 1);
      !st.ok()) {
    return st;
  }
  if (Status st = rules.state_vector(total_len, false); !st.ok()) return st;
  if (Status st = rules.matrix(history, "2-D [Rmax, Wt]"); !st.ok()) return st;
  // 5: memory. The device rule is the entry's (it knows which backends run the operation).
  if (Status st = rules.memory(all); !st.ok()) return st;
  for (const Named& tensor : all) {
    if (tensor.given() && tensor.view->device != s.idx_mapping.device) {
      return rules.fail(StatusCode::kInvalidArgument, concat(tensor.name, " must be on the device of idx_mapping"),
                        s.idx_mapping.device == Device::kCpu ? "host memory" : "CUDA memory",
                        tensor.view->device == Device::kCpu ? "host memory" : "CUDA memory");
    }
  }

  plan = PostUpdatePlan{};
  plan.rows = rows;
  plan.device = s.idx_mapping.device;
  plan.idx_mapping = input_of(s.idx_mapping);
  plan.sampled_tokens = input_of(s.sampled_tokens);
  plan.num_sampled = input_of(s.num_sampled);
  plan.num_rejected = input_of(s.num_rejected);
  plan.query_start_loc = input_of(s.query_start_loc);
  plan.computed_in = input_of(s.num_computed_tokens);
  plan.total_len_in = input_of(s.total_len);
  plan.num_computed_tokens = output_of(s.num_computed_tokens);
  plan.last_sampled_tokens = output_of(s.last_sampled_tokens);
  plan.total_len = output_of(s.total_len);
  plan.all_token_ids = output_of(s.all_token_ids);
  plan.sampled_width = plan.sampled_tokens.columns;
  plan.history_width = plan.all_token_ids.given ? s.all_token_ids.shape[1] : 0;
  // 10.8: Rmax, the smallest dim 0 of the state passed.
  plan.state_rows = s.num_computed_tokens.shape[0];
  for (const TensorView* state : {&s.last_sampled_tokens, &s.total_len, &s.all_token_ids}) {
    if (state->rank != 0) plan.state_rows = std::min(plan.state_rows, state->shape[0]);
  }
  return {};
}

}  // namespace advstep::variants
