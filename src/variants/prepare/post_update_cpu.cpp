// post_update on the host: the row functions of post_update_row.hpp, in two passes. The first
// checks every row in increasing b (after query_start_loc) and stops at the first fault, which is
// so the first in the spec's order (10.6); only when there is none does the second write.
#include <cstdint>
#include <vector>

#include "variants/prepare/post_update_plan.hpp"
#include "variants/prepare/post_update_row.hpp"

namespace advstep::variants {

Status run_post_update_cpu(const PostUpdatePlan& plan) {
  if (const PostUpdateFault fault = check_post_update_qsl(plan); !fault.ok()) {
    return describe_post_update_fault(fault);
  }
  // The first row that updates each state row. Rows before a faulty one all passed, so a state row
  // met again while checking in increasing b is F1's duplicate, as the GPU's claims find it.
  std::vector<int64_t> first_row(static_cast<size_t>(plan.rows == 0 ? 0 : plan.state_rows), -1);
  for (int64_t b = 0; b < plan.rows; ++b) {
    int64_t r = 0;
    int64_t first = b;
    if (updates_state_row(plan, b, r)) {
      int64_t& claim = first_row[static_cast<size_t>(r)];
      if (claim < 0) claim = b;
      first = claim;
    }
    if (const PostUpdateFault fault = check_post_update_row(plan, b, first); !fault.ok()) {
      return describe_post_update_fault(fault);
    }
  }
  for (int64_t b = 0; b < plan.rows; ++b) write_post_update_row(plan, b);
  return {};
}

}  // namespace advstep::variants
