#include "support/native_runner.hpp"

#include <cstdint>
#include <vector>

#include "advstep/advance_step.hpp"

namespace advstep::testing {
namespace {

using oracle::IndexType;
using oracle::StepInputs;

/// Host values stored with the element type the case asks for.
class IndexArray {
 public:
  IndexArray(const std::vector<int64_t>& values, IndexType type) : type_(type) {
    if (type_ == IndexType::kInt32) {
      narrow_.resize(values.size());  // the generator keeps int32 cases in range
      for (size_t k = 0; k < values.size(); ++k) narrow_[k] = static_cast<int32_t>(values[k]);
    } else {
      wide_ = values;
    }
  }

  TensorView view(std::initializer_list<int64_t> shape) {
    return type_ == IndexType::kInt32 ? advstep::view(narrow_.data(), shape) : advstep::view(wide_.data(), shape);
  }

  [[nodiscard]] std::vector<int64_t> values() const {
    if (type_ == IndexType::kInt64) return wide_;
    return {narrow_.begin(), narrow_.end()};
  }

 private:
  IndexType type_;
  std::vector<int32_t> narrow_;
  std::vector<int64_t> wide_;
};

/// Everything the call sees, so the state before and after can be compared as a whole.
struct Arrays {
  std::vector<int64_t> tokens, sampled, positions, slots, spec, accepted;
  IndexArray seq_lens;
  IndexArray tables;

  explicit Arrays(const StepInputs& in)
      : tokens(in.input_tokens),
        sampled(in.sampled_token_ids),
        positions(in.input_positions),
        slots(in.slot_mapping),
        spec(in.spec_token),
        accepted(in.accepted_num),
        seq_lens(in.seq_lens, in.seq_lens_type),
        tables(in.block_tables, in.block_tables_type) {}

  [[nodiscard]] std::vector<std::vector<int64_t>> inputs() const { return {sampled, tables.values(), spec, accepted}; }
  [[nodiscard]] oracle::StepOutputs outputs() const { return {tokens, positions, seq_lens.values(), slots}; }
};

}  // namespace

NativeResult run_native(const StepInputs& in, bool matrix_layout, const Options& options) {
  Arrays arrays(in);
  const std::vector<std::vector<int64_t>> inputs_before = arrays.inputs();
  const int64_t n = in.num_seqs;
  const int64_t e = in.spec_num + 1;
  const auto per_token = [&](auto* data) { return matrix_layout ? view(data, {n, e}) : view(data, {n * e}); };
  const TensorView tokens = per_token(arrays.tokens.data());
  const TensorView positions = per_token(arrays.positions.data());
  const TensorView slots = per_token(arrays.slots.data());
  const TensorView seq_lens = matrix_layout ? arrays.seq_lens.view({n, e}) : arrays.seq_lens.view({n * e});
  const TensorView tables = arrays.tables.view({n, in.table_width});

  NativeResult result;
  try {
    if (in.speculative()) {
      advance_step(SpeculativeStep{.input_tokens = tokens,
                                   .sampled_token_ids = view(arrays.sampled.data(), {n, e}),
                                   .input_positions = positions,
                                   .seq_lens = seq_lens,
                                   .slot_mapping = slots,
                                   .block_tables = tables,
                                   .num_seqs = n,
                                   .num_queries = in.num_queries,
                                   .block_size = in.block_size,
                                   .spec_token = view(arrays.spec.data(), {n, in.spec_num}),
                                   .accepted_num = view(arrays.accepted.data(), {n})},
                   options);
    } else {
      advance_step(DecodeStep{tokens, view(arrays.sampled.data(), {in.num_queries, 1}), positions, seq_lens, slots,
                              tables, n, in.num_queries, in.block_size},
                   options);
    }
  } catch (const Error& error) {
    result.error = error.code();
    result.is_data_fault = error.is_data_fault();
    result.message = error.what();
  }
  result.outputs = arrays.outputs();
  result.inputs_unchanged = arrays.inputs() == inputs_before;
  const oracle::StepOutputs before{in.input_tokens, in.input_positions, in.seq_lens, in.slot_mapping};
  result.all_unchanged = result.inputs_unchanged && result.outputs.input_tokens == before.input_tokens &&
                         result.outputs.input_positions == before.input_positions &&
                         result.outputs.seq_lens == before.seq_lens &&
                         result.outputs.slot_mapping == before.slot_mapping;
  return result;
}

}  // namespace advstep::testing
