// The native C++ API: vLLM's contract, synchronous, errors as exceptions.
#include "advstep/advance_step.hpp"

#include <array>
#include <variant>

#include "core/fault.hpp"
#include "core/message.hpp"
#include "core/plan.hpp"
#include "native/describe_view.hpp"
#include "runtime/cuda_plugin.hpp"
#include "native/device_memory.hpp"
#include "runtime/device.hpp"

namespace advstep {
namespace {

using native::describe;

/// The tensors of one call, by role; an optional one left as a default TensorView is not given.
using Views = std::array<const TensorView*, core::kRoleCount>;

/// Each variant's struct as the roles its plan takes (one arm per variant of steps.hpp).
struct Arguments {
  Views views{};
  int64_t num_seqs = 0;
  int64_t num_queries = 0;
  int64_t block_size = 0;
  bool speculative = false;
  bool flashinfer = false;
};

Arguments arguments_of(const Step& step) {
  using core::TensorRole;
  return std::visit(core::Overloaded{
                        [](const DecodeStep& s) {
                          return Arguments{{&s.input_tokens, &s.sampled_token_ids, &s.input_positions, &s.seq_lens,
                                            &s.slot_mapping, &s.block_tables},
                                           s.num_seqs,
                                           s.num_queries,
                                           s.block_size};
                        },
                        [](const SpeculativeStep& s) {
                          return Arguments{{&s.input_tokens, &s.sampled_token_ids, &s.input_positions, &s.seq_lens,
                                            &s.slot_mapping, &s.block_tables, &s.spec_token, &s.accepted_num},
                                           s.num_seqs,
                                           s.num_queries,
                                           s.block_size,
                                           true};
                        },
                        [](const FlashInferStep& s) {
                          Arguments arguments{{&s.input_tokens, &s.sampled_token_ids, &s.input_positions, &s.seq_lens,
                                               &s.slot_mapping, &s.block_tables},
                                              s.num_seqs,
                                              s.num_queries,
                                              s.block_size,
                                              false,
                                              true};
                          const auto set = [&](TensorRole role, const TensorView& view) {
                            arguments.views[static_cast<size_t>(role)] = &view;
                          };
                          set(TensorRole::kPagedKvIndices, s.paged_kv_indices);
                          set(TensorRole::kPagedKvIndptr, s.paged_kv_indptr);
                          set(TensorRole::kPagedKvLastPageLen, s.paged_kv_last_page_len);
                          set(TensorRole::kBlockTableBound, s.block_table_bound);
                          return arguments;
                        },
                    },
                    step);
}

void run(const Step& step, const Options& options, Stream stream, bool synchronous) {
  const Arguments arguments = arguments_of(step);
  core::Plan plan;  // the tensors are described straight into it, and make_plan keeps them there
  core::Request request;
  request.options = options;
  if (options.semantics == Semantics::kAscend && options.ascend_cores == 0) {
    request.options.ascend_cores = ascend_cores_for_soc(runtime::soc_name());
  }
  request.api = arguments.flashinfer ? "advstep::advance_step_flashinfer" : "advstep::advance_step";
  request.contract = core::Contract::kVllm;
  request.accepts_speculative = arguments.speculative;
  request.flashinfer = arguments.flashinfer;
  for (size_t r = 0; r < arguments.views.size(); ++r) {
    // An optional input left as a default TensorView (rank 0) was not given: null, as in the C API.
    const auto role = static_cast<core::TensorRole>(r);
    const bool optional = role == core::TensorRole::kSpecToken || role == core::TensorRole::kAcceptedNum;
    const TensorView* view = arguments.views[r];
    if (view == nullptr || (optional && view->rank == 0)) continue;
    plan.tensors[r] = describe(*view);
    request.tensors[r] = &plan.tensors[r];
  }
  request.num_seqs = arguments.num_seqs;
  request.num_queries = arguments.num_queries;
  request.block_size = arguments.block_size;
  const Device device = arguments.views[0]->device;
  const native::NativeMemory memory(device);
  if (Status s = core::make_plan(request, &memory, plan); !s.ok()) throw Error(s);
  if (Status s = native::execute(plan, memory, device, stream, synchronous); !s.ok()) throw Error(s);
}

}  // namespace

const char* dtype_name(DType dtype) {
  static constexpr std::array<const char*, 14> kNames = {"int32",   "int64",   "int8",   "int16",   "uint8",
                                                         "uint16",  "uint32",  "uint64", "float16", "bfloat16",
                                                         "float32", "float64", "bool",   "other"};
  const auto index = static_cast<size_t>(dtype);
  return index < kNames.size() ? kNames[index] : "other";
}

void advance_step(const Step& step, const Options& options, Stream stream) {
  run(step, options, stream, true);
}

void advance_step_async(const Step& step, const Options& options, Stream stream) {
  run(step, options, stream, false);
}

void check_cuda_faults(int32_t gpu) {
  if (Status s = runtime::cuda_plugin().check_native_faults(gpu); !s.ok()) throw Error(s);
}

}  // namespace advstep
