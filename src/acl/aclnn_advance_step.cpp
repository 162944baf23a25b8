// aclnnAdvanceStep and aclnnAdvanceStepV2: the two-phase C entry points.
#include <array>

#include "acl/acl_tensor.hpp"
#include "acl/boundary.hpp"
#include "acl/executor.hpp"
#include "acl/operator_run.hpp"
#include "acl/process_options.hpp"
#include "aclnnop/aclnn_advance_step.h"
#include "aclnnop/aclnn_advance_step_v2.h"
#include "core/plan.hpp"
#include "runtime/device.hpp"
#include "runtime/memory.hpp"

namespace advstep::acl {
namespace {

constexpr const char* kV1 = "aclnnAdvanceStep";
constexpr const char* kV2 = "aclnnAdvanceStepV2";

/// Phase 1 shared by V1 and V2: describe the tensors, check and plan, hand out an executor.
Status plan_operator(const char* api, bool v2, const std::array<const aclTensor*, core::kRoleCount>& tensors,
                     int64_t num_seqs, int64_t num_queries, int64_t block_size, uint64_t* workspace_size,
                     aclOpExecutor** executor) {
  // A bad ADVSTEP_SEMANTICS / _ASCEND_CORES / _BLOCK_BOUND is refused before anything is planned.
  Options options;
  if (Status s = process_options(api, StatusCode::kInvalidArgument, options); !s.ok()) return s;
  if (options.semantics == Semantics::kAscend && options.ascend_cores == 0) {
    options.ascend_cores = ascend_cores_for_soc(runtime::soc_name());
  }
  // The tensors are described straight into the executor's plan, which make_plan then keeps.
  aclOpExecutor* planned = acquire_executor();
  core::Request request;
  request.options = options;
  request.api = api;
  request.contract = core::Contract::kCann;
  request.accepts_speculative = v2;
  for (size_t r = 0; r < tensors.size(); ++r) {
    if (tensors[r] == nullptr) continue;
    describe(*tensors[r], planned->plan.tensors[r]);
    request.tensors[r] = &planned->plan.tensors[r];
  }
  request.num_seqs = num_seqs;
  request.num_queries = num_queries;
  request.block_size = block_size;
  request.workspace_size_given = workspace_size != nullptr;
  request.executor_given = executor != nullptr;

  // The tensors must be memory of the calling thread's device; the run's stream must be of it too.
  const int32_t device = runtime::current_device();
  // The memory check records the block of each tensor, which the run proves still allocated.
  planned->blocks = {};
  const runtime::RecordingDeviceDomain memory(device, planned->plan, planned->blocks);
  if (Status s = core::make_plan(request, &memory, planned->plan); !s.ok()) {
    release_executor(planned);
    return s;
  }
  planned->run_api = api;
  planned->device = device;
  planned->input_count = static_cast<int32_t>(v2 ? core::kSpeculativeRoles.size() : core::kDecodeRoles.size());
  planned->workspace_size = planned->plan.workspace_size;  // none, or CANN's 32 MiB (Ascend semantics; never touched)
  *workspace_size = planned->workspace_size;
  *executor = planned;
  return {};
}

}  // namespace
}  // namespace advstep::acl

using advstep::acl::guarded;
using advstep::acl::kV1;
using advstep::acl::kV2;

extern "C" {

aclnnStatus aclnnAdvanceStepGetWorkspaceSize(const aclTensor* inputTokens, const aclTensor* sampledTokenIds,
                                             const aclTensor* inputPositions, const aclTensor* seqLens,
                                             const aclTensor* slotMapping, const aclTensor* blockTables,
                                             int64_t numSeqs, int64_t numQueries, int64_t blockSize,
                                             uint64_t* workspaceSize, aclOpExecutor** executor) {
  return guarded(kV1, [&]() {
    return advstep::acl::plan_operator(
        kV1, false, {inputTokens, sampledTokenIds, inputPositions, seqLens, slotMapping, blockTables, nullptr, nullptr},
        numSeqs, numQueries, blockSize, workspaceSize, executor);
  });
}

aclnnStatus aclnnAdvanceStep(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return guarded(kV1, [&]() { return advstep::acl::run_operator(kV1, workspace, workspaceSize, executor, stream); });
}

aclnnStatus aclnnAdvanceStepV2GetWorkspaceSize(const aclTensor* inputTokens, const aclTensor* sampledTokenIds,
                                               const aclTensor* inputPositions, const aclTensor* seqLens,
                                               const aclTensor* slotMapping, const aclTensor* blockTables,
                                               const aclTensor* specTokenOptional, const aclTensor* acceptedNumOptional,
                                               int64_t numSeqs, int64_t numQueries, int64_t blockSize,
                                               uint64_t* workspaceSize, aclOpExecutor** executor) {
  return guarded(kV2, [&]() {
    return advstep::acl::plan_operator(kV2, true,
                                       {inputTokens, sampledTokenIds, inputPositions, seqLens, slotMapping, blockTables,
                                        specTokenOptional, acceptedNumOptional},
                                       numSeqs, numQueries, blockSize, workspaceSize, executor);
  });
}

aclnnStatus aclnnAdvanceStepV2(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return guarded(kV2, [&]() { return advstep::acl::run_operator(kV2, workspace, workspaceSize, executor, stream); });
}

}  // extern "C"
