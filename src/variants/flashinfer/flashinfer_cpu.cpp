// The FlashInfer step on the host, through the row functions of flashinfer_row.hpp.
//
// One thread: the prefix sum ties each row's place in paged_kv_indices to every row before it, and
// the metadata of a decode batch is small next to the pages it lists. The check pass reads every
// value before the write pass writes any, so sampled_token_ids may be input_tokens itself.
#include "variants/flashinfer/flashinfer_cpu.hpp"

#include "cpu/scratch.hpp"
#include "variants/flashinfer/flashinfer_plan.hpp"

namespace advstep::variants {
namespace {

template <typename SeqLen, typename Block>
core::RowFault run_rows(const core::FlashInferRows<SeqLen, Block>& step) {
  const int64_t queries = step.decode.num_queries;
  auto* rows = static_cast<core::FlashInferRow*>(
      cpu::thread_scratch(static_cast<size_t>(queries) * sizeof(core::FlashInferRow)));
  for (int64_t q = 0; q < queries; ++q) {
    if (core::RowFault fault = core::flashinfer_row(step, q, rows[q]); !fault.ok()) return fault;
  }
  int64_t total = 0;
  for (int64_t q = 0; q < queries; ++q) {
    if (core::RowFault fault = core::next_indptr(step, q, total, rows[q].pages, total); !fault.ok()) return fault;
  }
  if (core::RowFault fault = core::indices_fit(step, total); !fault.ok()) return fault;

  step.indptr.store(0, 0);
  int64_t first = 0;
  for (int64_t q = 0; q < queries; ++q) {
    core::store_flashinfer_row(step, q, rows[q], first);
    first += rows[q].pages;
  }
  for (int64_t t = queries; t < step.decode.num_seqs; ++t) core::store_flashinfer_padding(step, t, total);
  return {};
}

}  // namespace

core::RowFault run_flashinfer_cpu(const core::Plan& plan, const FlashInferShape& shape) {
  return core::with_index_types(
      plan, [&]<typename SeqLen, typename Block>() { return run_rows(flashinfer_rows<SeqLen, Block>(plan, shape)); });
}

}  // namespace advstep::variants
