#include "support/c_api_runner.hpp"

#include <array>
#include <stdexcept>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "aclnnop/aclnn_advance_step_v2.h"
#include "support/device_tensor.hpp"

namespace advstep::testing {
namespace {

using oracle::StepInputs;

/// The order of the operator's tensor arguments; the last two exist only for V2.
enum Slot : size_t { kTokens, kSampled, kPositions, kSeqLens, kSlots, kTables, kSpec, kAccepted, kSlotCount };

std::array<DeviceTensor, kSlotCount> make_tensors(const StepInputs& in, const CApiOptions& options) {
  if (in.seq_lens_type != oracle::IndexType::kInt64 || in.block_tables_type != oracle::IndexType::kInt64) {
    throw std::invalid_argument("run_c_api: the C API takes int64 indices only");
  }
  const int64_t n = in.num_seqs;
  const int64_t e = in.spec_num + 1;
  std::array<DeviceTensor, kSlotCount> t;
  const std::vector<int64_t> per_token =
      options.matrix_layout ? std::vector<int64_t>{n, e} : std::vector<int64_t>{n * e};
  t[kTokens] = DeviceTensor(in.input_tokens, per_token);
  t[kPositions] = DeviceTensor(in.input_positions, per_token);
  t[kSeqLens] = DeviceTensor(in.seq_lens, per_token);
  t[kSlots] = DeviceTensor(in.slot_mapping, per_token);
  // V1 also takes a flat [N] table; use it where it means the same as [N, 1].
  const bool flat_table = !in.speculative() && in.table_width == 1 && !options.matrix_layout;
  t[kTables] =
      DeviceTensor(in.block_tables, flat_table ? std::vector<int64_t>{n} : std::vector<int64_t>{n, in.table_width});
  if (in.speculative()) {
    t[kSampled] = DeviceTensor(in.sampled_token_ids, {n, e});
    t[kSpec] = DeviceTensor(in.spec_token, {n, in.spec_num});
    t[kAccepted] = DeviceTensor(in.accepted_num, {n});
  } else {
    t[kSampled] = DeviceTensor(in.sampled_token_ids, {in.num_queries, 1});
    if (options.form == CallForm::kV2Empty) {
      t[kSpec] = DeviceTensor({}, {n, 0});
      t[kAccepted] = DeviceTensor({}, {0});
    }
    if (options.form == CallForm::kV2AcceptedOnly) t[kAccepted] = DeviceTensor(std::vector<int64_t>(static_cast<size_t>(n), 1), {n});
  }
  return t;
}

std::vector<std::vector<uint8_t>> snapshot(const std::array<DeviceTensor, kSlotCount>& tensors) {
  std::vector<std::vector<uint8_t>> bytes;
  for (const DeviceTensor& tensor : tensors) bytes.push_back(tensor.raw());
  return bytes;
}

aclnnStatus plan(const std::array<DeviceTensor, kSlotCount>& t, const StepInputs& in, CallForm form,
                 uint64_t& workspace_size, aclOpExecutor*& executor) {
  if (form == CallForm::kV1) {
    return aclnnAdvanceStepGetWorkspaceSize(t[kTokens].get(), t[kSampled].get(), t[kPositions].get(), t[kSeqLens].get(),
                                            t[kSlots].get(), t[kTables].get(), in.num_seqs, in.num_queries,
                                            in.block_size, &workspace_size, &executor);
  }
  return aclnnAdvanceStepV2GetWorkspaceSize(t[kTokens].get(), t[kSampled].get(), t[kPositions].get(), t[kSeqLens].get(),
                                            t[kSlots].get(), t[kTables].get(), t[kSpec].get(), t[kAccepted].get(),
                                            in.num_seqs, in.num_queries, in.block_size, &workspace_size, &executor);
}

/// Phase 2 and synchronisation, with a workspace only when phase 1 asks for one (as CANN's example does).
void execute(CApiResult& result, CallForm form, uint64_t workspace_size, aclOpExecutor* executor, aclrtStream stream) {
  void* workspace = nullptr;
  if (workspace_size > 0 && aclrtMalloc(&workspace, workspace_size, ACL_MEM_MALLOC_HUGE_FIRST) != ACL_SUCCESS) {
    throw std::runtime_error("run_c_api: aclrtMalloc of the workspace failed");
  }
  result.run_status = form == CallForm::kV1 ? aclnnAdvanceStep(workspace, workspace_size, executor, stream)
                                            : aclnnAdvanceStepV2(workspace, workspace_size, executor, stream);
  if (result.run_status != ACL_SUCCESS) {
    result.message = last_error_message();
  } else {
    result.sync_status = aclrtSynchronizeStream(stream);
    if (result.sync_status != ACL_SUCCESS) result.message = last_error_message();
    result.second_sync_status = aclrtSynchronizeStream(stream);
  }
  if (workspace != nullptr) (void)aclrtFree(workspace);
}

}  // namespace

CApiResult run_c_api(const StepInputs& inputs, const CApiOptions& options) {
  CApiResult result;
  const std::array<DeviceTensor, kSlotCount> tensors = make_tensors(inputs, options);
  const std::vector<std::vector<uint8_t>> before = snapshot(tensors);
  aclrtStream stream = nullptr;
  if (options.own_stream && aclrtCreateStream(&stream) != ACL_SUCCESS) {
    throw std::runtime_error("run_c_api: aclrtCreateStream failed");
  }
  uint64_t workspace_size = 0;
  aclOpExecutor* executor = nullptr;
  result.workspace_status = plan(tensors, inputs, options.form, workspace_size, executor);
  result.workspace_size = workspace_size;
  if (result.workspace_status != ACL_SUCCESS) {
    result.message = last_error_message();
  } else {
    execute(result, options.form, workspace_size, executor, stream);
  }
  if (stream != nullptr) (void)aclrtDestroyStream(stream);

  const std::vector<std::vector<uint8_t>> after = snapshot(tensors);
  result.all_bytes_unchanged = before == after;
  result.inputs_unchanged = true;
  for (Slot input : {kSampled, kTables, kSpec, kAccepted}) {
    result.inputs_unchanged = result.inputs_unchanged && before[input] == after[input];
  }
  result.outputs = {tensors[kTokens].values(), tensors[kPositions].values(), tensors[kSeqLens].values(),
                    tensors[kSlots].values()};
  return result;
}

}  // namespace advstep::testing
