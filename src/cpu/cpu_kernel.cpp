#include "cpu/cpu_kernel.hpp"

#include "core/step_views.hpp"

namespace advstep::cpu {
namespace {

using core::RowFault;

template <typename SeqLen, typename Block>
RowFault run_plain(const core::PlainStep<SeqLen, Block>& step) {
  core::PlainRow row{};
  for (int64_t i = 0; i < step.num_queries; ++i) {
    if (RowFault fault = core::plain_row(step, i, row); !fault.ok()) return fault;
  }
  for (int64_t i = 0; i < step.num_queries; ++i) {
    (void)core::plain_row(step, i, row);
    core::store_plain_row(step, i, row);
  }
  for (int64_t j = step.num_queries; j < step.num_seqs; ++j) core::store_padding_row(step, j);
  return {};
}

template <typename SeqLen, typename Block>
RowFault run_speculative(const core::SpeculativeStep<SeqLen, Block>& step) {
  const int64_t width = step.spec_num + 1;
  core::SpeculativeCell cell{};
  int64_t last = 0;
  for (int64_t i = 0; i < step.num_seqs; ++i) {
    if (RowFault fault = core::last_token(step, i, last); !fault.ok()) return fault;
    for (int64_t j = 0; j < width; ++j) {
      if (RowFault fault = core::speculative_cell(step, i, j, cell); !fault.ok()) return fault;
    }
  }
  for (int64_t i = 0; i < step.num_seqs; ++i) {
    (void)core::last_token(step, i, last);
    for (int64_t j = 0; j < width; ++j) {
      (void)core::speculative_cell(step, i, j, cell);
      core::store_speculative_cell(step, i, j, cell);
      core::store_token(step, i, j, core::next_token(step, i, j, last));
    }
  }
  return {};
}

}  // namespace

RowFault run(const core::Plan& plan) {
  return core::with_index_types(plan, [&]<typename SeqLen, typename Block>() {
    if (plan.path == core::Path::kSpeculative) return run_speculative(core::speculative_step<SeqLen, Block>(plan));
    return run_plain(core::plain_step<SeqLen, Block>(plan));
  });
}

}  // namespace advstep::cpu
