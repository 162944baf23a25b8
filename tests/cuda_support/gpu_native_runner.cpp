#include "cuda_support/gpu_native_runner.hpp"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "advstep/advance_step.hpp"
#include "cuda_support/gpu_support.hpp"

namespace advstep::testing {
namespace {

using oracle::IndexType;
using oracle::StepInputs;

/// Values in GPU memory with the element type the case asks for.
class GpuArray {
 public:
  GpuArray(const std::vector<int64_t>& values, IndexType type = IndexType::kInt64) : type_(type) {
    if (type_ == IndexType::kInt32) {
      std::vector<int32_t> narrow(values.begin(), values.end());  // the generator keeps int32 cases in range
      narrow_ = std::make_unique<DeviceArray<int32_t>>(narrow);
    } else {
      wide_ = std::make_unique<DeviceArray<int64_t>>(values);
    }
  }

  TensorView view(std::initializer_list<int64_t> shape) const {
    return type_ == IndexType::kInt32 ? advstep::view(narrow_->data(), shape, Device::kCuda)
                                      : advstep::view(wide_->data(), shape, Device::kCuda);
  }

  [[nodiscard]] std::vector<int64_t> values() const {
    if (type_ == IndexType::kInt64) return wide_->values();
    const std::vector<int32_t> narrow = narrow_->values();
    return {narrow.begin(), narrow.end()};
  }

 private:
  IndexType type_;
  std::unique_ptr<DeviceArray<int32_t>> narrow_;
  std::unique_ptr<DeviceArray<int64_t>> wide_;
};

}  // namespace

NativeResult run_native_on_gpu(const StepInputs& in, bool matrix_layout, cudaStream_t stream, const Options& options) {
  const GpuArray tokens(in.input_tokens), sampled(in.sampled_token_ids), positions(in.input_positions),
      slots(in.slot_mapping), spec(in.spec_token), accepted(in.accepted_num), seq_lens(in.seq_lens, in.seq_lens_type),
      tables(in.block_tables, in.block_tables_type);
  const int64_t n = in.num_seqs;
  const int64_t e = in.spec_num + 1;
  const auto per_token = [&](const GpuArray& array) {
    return matrix_layout ? array.view({n, e}) : array.view({n * e});
  };

  NativeResult result;
  try {
    if (in.speculative()) {
      advance_step(SpeculativeStep{per_token(tokens), sampled.view({n, e}), per_token(positions), per_token(seq_lens),
                                   per_token(slots), tables.view({n, in.table_width}), n, in.num_queries, in.block_size,
                                   spec.view({n, in.spec_num}), accepted.view({n})},
                   options, stream);
    } else {
      advance_step(
          DecodeStep{per_token(tokens), sampled.view({in.num_queries, 1}), per_token(positions), per_token(seq_lens),
                     per_token(slots), tables.view({n, in.table_width}), n, in.num_queries, in.block_size},
          options, stream);
    }
  } catch (const Error& error) {
    result.error = error.code();
    result.is_data_fault = error.is_data_fault();
    result.message = error.what();
  }
  result.outputs = {tokens.values(), positions.values(), seq_lens.values(), slots.values()};
  result.inputs_unchanged = sampled.values() == in.sampled_token_ids && tables.values() == in.block_tables &&
                            spec.values() == in.spec_token && accepted.values() == in.accepted_num;
  result.all_unchanged = result.inputs_unchanged && result.outputs.input_tokens == in.input_tokens &&
                         result.outputs.input_positions == in.input_positions &&
                         result.outputs.seq_lens == in.seq_lens && result.outputs.slot_mapping == in.slot_mapping;
  return result;
}

}  // namespace advstep::testing
