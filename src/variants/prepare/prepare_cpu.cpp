// The prepare step on the host: the check items of prepare_walk.hpp in order, stopping at the first
// fault (so it is the one the spec's order names, 10.6) with nothing written; then, when there was
// none, the write items. Outputs overlap no input save the in-place pairs, which each row reads at an
// element before it writes it, so the writing pass reads what the checking pass read.
#include <cstdint>

#include "variants/prepare/prepare_plan.hpp"
#include "variants/prepare/prepare_walk.hpp"

namespace advstep::variants {

Status run_prepare_cpu(const PreparePlan& plan) {
  const int64_t checks = check_item_count(plan);
  for (int64_t key = 0; key < checks; ++key) {
    if (const PrepareFault fault = check_item(plan, key); !fault.ok()) {
      return {StatusCode::kDataFault, describe_fault(plan, fault)};
    }
  }
  const int64_t writes = write_item_count(plan);
  for (int64_t i = 0; i < writes; ++i) write_item(plan, i);
  return {};
}

}  // namespace advstep::variants
