// The native C++ API: vLLM's contract, synchronous, errors as exceptions.
#include "advstep/advance_step.hpp"

#include <array>

#include "core/fault.hpp"
#include "core/message.hpp"
#include "core/plan.hpp"
#include "runtime/cuda_plugin.hpp"
#include "native/device_memory.hpp"
#include "runtime/device.hpp"

namespace advstep {
namespace {

core::TensorDesc describe(const TensorView& view) {
  core::TensorDesc desc;
  desc.data = view.data;
  desc.type = view.dtype == DType::kInt32   ? core::ElementType::kInt32
              : view.dtype == DType::kInt64 ? core::ElementType::kInt64
                                            : core::ElementType::kUnsupported;
  desc.type_name = dtype_name(view.dtype);
  desc.device = view.device;
  desc.rank = view.rank;
  desc.dims = view.shape;
  desc.strides = view.strides;
  return desc;
}

void run(const std::array<const TensorView*, core::kRoleCount>& views, int64_t num_seqs, int64_t num_queries,
         int64_t block_size, bool speculative, const Options& options, void* stream, bool synchronous) {
  core::Plan plan;  // the tensors are described straight into it, and make_plan keeps them there
  core::Request request;
  request.options = options;
  if (options.semantics == Semantics::kAscend && options.ascend_cores == 0) {
    request.options.ascend_cores = ascend_cores_for_soc(runtime::soc_name());
  }
  request.api = "advstep::advance_step";
  request.contract = core::Contract::kVllm;
  request.accepts_speculative = speculative;
  for (size_t r = 0; r < views.size(); ++r) {
    // An optional input left as a default TensorView (rank 0) was not given: null, as in the C API.
    const bool optional = r >= static_cast<size_t>(core::kRequiredRoleCount);
    if (views[r] == nullptr || (optional && views[r]->rank == 0)) continue;
    plan.tensors[r] = describe(*views[r]);
    request.tensors[r] = &plan.tensors[r];
  }
  request.num_seqs = num_seqs;
  request.num_queries = num_queries;
  request.block_size = block_size;
  const Device device = views[0]->device;
  const native::NativeMemory memory(device);
  if (Status s = core::make_plan(request, &memory, plan); !s.ok()) throw Error(s);
  if (Status s = native::execute(plan, memory, device, stream, synchronous); !s.ok()) throw Error(s);
}

}  // namespace

const char* dtype_name(DType dtype) {
  static constexpr std::array<const char*, 14> kNames = {"int32",   "int64",    "int8",    "int16",   "uint8",
                                                         "uint16",  "uint32",   "uint64",  "float16", "bfloat16",
                                                         "float32", "float64",  "bool",    "other"};
  const auto index = static_cast<size_t>(dtype);
  return index < kNames.size() ? kNames[index] : "other";
}

void advance_step(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                  const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                  const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                  void* stream) {
  run({&input_tokens, &sampled_token_ids, &input_positions, &seq_lens, &slot_mapping, &block_tables, nullptr,
       nullptr},
      num_seqs, num_queries, block_size, false, Options{}, stream, true);
}

void advance_step(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                  const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                  const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                  const Options& options, void* stream) {
  run({&input_tokens, &sampled_token_ids, &input_positions, &seq_lens, &slot_mapping, &block_tables, nullptr,
       nullptr},
      num_seqs, num_queries, block_size, false, options, stream, true);
}

void advance_step(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                  const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                  const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                  const SpeculativeInputs& speculative, void* stream) {
  run({&input_tokens, &sampled_token_ids, &input_positions, &seq_lens, &slot_mapping, &block_tables,
       &speculative.spec_token, &speculative.accepted_num},
      num_seqs, num_queries, block_size, true, Options{}, stream, true);
}

void advance_step(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                  const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                  const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                  const SpeculativeInputs& speculative, const Options& options, void* stream) {
  run({&input_tokens, &sampled_token_ids, &input_positions, &seq_lens, &slot_mapping, &block_tables,
       &speculative.spec_token, &speculative.accepted_num},
      num_seqs, num_queries, block_size, true, options, stream, true);
}

void advance_step_async(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                        const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                        const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                        void* stream) {
  run({&input_tokens, &sampled_token_ids, &input_positions, &seq_lens, &slot_mapping, &block_tables, nullptr,
       nullptr},
      num_seqs, num_queries, block_size, false, Options{}, stream, false);
}

void advance_step_async(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                        const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                        const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                        const Options& options, void* stream) {
  run({&input_tokens, &sampled_token_ids, &input_positions, &seq_lens, &slot_mapping, &block_tables, nullptr,
       nullptr},
      num_seqs, num_queries, block_size, false, options, stream, false);
}

void advance_step_async(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                        const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                        const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                        const SpeculativeInputs& speculative, void* stream) {
  run({&input_tokens, &sampled_token_ids, &input_positions, &seq_lens, &slot_mapping, &block_tables,
       &speculative.spec_token, &speculative.accepted_num},
      num_seqs, num_queries, block_size, true, Options{}, stream, false);
}

void advance_step_async(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                        const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                        const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                        const SpeculativeInputs& speculative, const Options& options, void* stream) {
  run({&input_tokens, &sampled_token_ids, &input_positions, &seq_lens, &slot_mapping, &block_tables,
       &speculative.spec_token, &speculative.accepted_num},
      num_seqs, num_queries, block_size, true, options, stream, false);
}

void check_cuda_faults(int32_t gpu) {
  if (Status s = runtime::cuda_plugin().check_native_faults(gpu); !s.ok()) throw Error(s);
}

}  // namespace advstep
