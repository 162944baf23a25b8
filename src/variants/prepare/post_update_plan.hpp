// The post_update operation (prepare_step.md sections 3.3, 4 and 10.11): its checked arguments, as
// every backend's kernel reads them. A plain value with no pointer to host structures, so a CUDA
// kernel takes it by value.
#pragma once

#include <cstdint>
#include <vector>

#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"
#include "advstep/tensor_view.hpp"
#include "variants/prepare/argument_rules.hpp"
#include "variants/prepare/index_tensor.hpp"

namespace advstep::variants {

/// Every argument of one post_update call, after the argument checks of spec sections 4 and 10.
/// The in/out state (num_computed_tokens, total_len) is read through its input view and written
/// through its output; the outputs overlap no input, and no two rows name one state row (F1), so a
/// row's writes touch nothing another row reads.
struct PostUpdatePlan {
  int64_t rows = 0;           ///< R
  int64_t state_rows = 0;     ///< Rmax
  int64_t sampled_width = 0;  ///< K
  int64_t history_width = 0;  ///< Wt (0 without the history)
  IndexInput idx_mapping, sampled_tokens, num_sampled, num_rejected, query_start_loc;
  IndexInput computed_in, total_len_in;  ///< num_computed_tokens and total_len as read
  IndexOutput num_computed_tokens, last_sampled_tokens, total_len, all_token_ids;
  Device device = Device::kCpu;  ///< where every tensor is

  [[nodiscard]] ADVSTEP_HOST_DEVICE bool has_history() const { return total_len.given; }
};

/// The tensors of @p step with their parameter names, in the signature's order (section 9).
std::vector<Named> post_update_tensors(const PostUpdateStep& step);

/// The argument checks of post_update in the spec's class order (1 missing, 2 dtype, 3 shape,
/// 5 memory; it has no scalar), each naming its parameter, rule, expected and actual value, and
/// then every tensor on one device (plan.device). Whether that device's memory is usable is the
/// backend's check.
Status make_post_update_plan(const PostUpdateStep& step, PostUpdatePlan& plan);

/// Runs a checked plan on the host: a validation pass finds the first data fault in the spec's order
/// (10.6) and writes nothing if there is one (its Status is kDataFault); otherwise a second pass
/// writes.
Status run_post_update_cpu(const PostUpdatePlan& plan);

}  // namespace advstep::variants
