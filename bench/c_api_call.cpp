#include "c_api_call.hpp"

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "aclnnop/aclnn_advance_step_v2.h"

namespace advstep::bench {
namespace {

aclrtStream g_stream = nullptr;

aclTensor* int64_tensor(int64_t* data, std::initializer_list<int64_t> shape) {
  const std::vector<int64_t> dims(shape);
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t d = dims.size() - 1; d-- > 0;) strides[d] = strides[d + 1] * dims[d + 1];
  return aclCreateTensor(dims.data(), dims.size(), ACL_INT64, strides.data(), 0, ACL_FORMAT_ND, dims.data(),
                         dims.size(), data);
}

}  // namespace

aclrtStream CApiCall::stream() {
  if (g_stream == nullptr) (void)aclrtCreateStream(&g_stream);
  return g_stream;
}

void CApiCall::release_stream() {
  if (g_stream != nullptr) (void)aclrtDestroyStream(g_stream);
  g_stream = nullptr;
}

CApiCall::CApiCall(const Workload& w) : shape_(w.shape) {
  const Case& c = shape_;
  const int64_t e = c.version == 1 ? 1 : c.spec_num + 1;
  tensors_[0] = int64_tensor(w.input_tokens, {c.cells()});
  tensors_[1] = int64_tensor(w.sampled_token_ids, {c.n, e});
  tensors_[2] = int64_tensor(w.input_positions, {c.cells()});
  tensors_[3] = int64_tensor(w.seq_lens, {c.cells()});
  tensors_[4] = int64_tensor(w.slot_mapping, {c.cells()});
  tensors_[5] = int64_tensor(w.block_tables, {c.num_seqs(), c.width});
  if (c.version == 2) {
    tensors_[6] = int64_tensor(w.spec_token, {c.n, c.spec_num});
    tensors_[7] = int64_tensor(w.accepted_num, {c.n});
  }
}

CApiCall::~CApiCall() {
  for (aclTensor* tensor : tensors_) {
    if (tensor != nullptr) (void)aclDestroyTensor(tensor);
  }
}

const char* CApiCall::run() {
  const Case& c = shape_;
  const auto& t = tensors_;
  uint64_t workspace_size = 0;
  aclOpExecutor* executor = nullptr;
  aclnnStatus status = 0;
  if (c.version == 1) {
    status = aclnnAdvanceStepGetWorkspaceSize(t[0], t[1], t[2], t[3], t[4], t[5], c.num_seqs(), c.num_queries(),
                                              c.block_size, &workspace_size, &executor);
    if (status == 0) status = aclnnAdvanceStep(nullptr, workspace_size, executor, stream());
  } else {
    status = aclnnAdvanceStepV2GetWorkspaceSize(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], c.n, c.n,
                                                c.block_size, &workspace_size, &executor);
    if (status == 0) status = aclnnAdvanceStepV2(nullptr, workspace_size, executor, stream());
  }
  if (status == 0) status = aclrtSynchronizeStream(stream());
  return status == 0 ? nullptr : aclGetRecentErrMsg();
}

}  // namespace advstep::bench
