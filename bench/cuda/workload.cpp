#include "workload.hpp"

#include <random>
#include <stdexcept>

#include "aclnnop/aclnn_advance_step.h"

namespace advstep::bench {
namespace {

void check(aclError status, const char* what) {
  if (status != ACL_SUCCESS) throw std::runtime_error(std::string(what) + ": " + aclGetRecentErrMsg());
}

void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

template <typename T>
std::vector<T> read(const void* device, int64_t count) {
  std::vector<T> host(static_cast<size_t>(count));
  check_cuda(cudaMemcpy(host.data(), device, host.size() * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy");
  return host;
}

}  // namespace

void* Workload::buffer(size_t bytes) {
  void* address = nullptr;
  check(aclrtMalloc(&address, bytes, ACL_MEM_MALLOC_HUGE_FIRST), "aclrtMalloc");
  buffers_.push_back(address);
  return address;
}

Workload::Workload(int64_t queries, aclrtStream stream) : queries_(queries), rows_(queries + 1), stream_(stream) {
  std::mt19937_64 random(static_cast<uint64_t>(queries));
  std::vector<int64_t> lengths(static_cast<size_t>(rows_)), sampled(static_cast<size_t>(queries_)),
      table(static_cast<size_t>(rows_ * kTableWidth)), zeros(static_cast<size_t>(rows_), 0);
  for (auto& length : lengths) length = static_cast<int64_t>(random() % kMaxInitialLength);
  for (auto& id : sampled) id = static_cast<int64_t>(random() % 150000);
  for (auto& block : table) block = static_cast<int64_t>(random() % (1 << 20));
  const std::vector<int32_t> lengths32(lengths.begin(), lengths.end()), table32(table.begin(), table.end());

  const auto upload = [&](const auto& values) {
    const size_t bytes = values.size() * sizeof(values[0]);
    void* device = buffer(bytes);
    check(aclrtMemcpy(device, bytes, values.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE), "aclrtMemcpy");
    return device;
  };
  const auto tensor = [&](void* data, std::vector<int64_t> shape) {
    std::vector<int64_t> strides(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
    aclTensor* made = aclCreateTensor(shape.data(), shape.size(), ACL_INT64, strides.data(), 0, ACL_FORMAT_ND,
                                      shape.data(), shape.size(), data);
    tensors_.push_back(made);
    return made;
  };

  // Ours: the CANN call.
  void* tokens = upload(zeros);
  void* positions = upload(zeros);
  seq_lens_ = upload(lengths);
  void* slots = upload(zeros);
  void* sampled_ids = upload(sampled);
  pristine_seq_lens_ = upload(lengths);
  uint64_t workspace = 0;
  check(aclnnAdvanceStepGetWorkspaceSize(tensor(tokens, {rows_}), tensor(sampled_ids, {queries_, 1}),
                                         tensor(positions, {rows_}), tensor(seq_lens_, {rows_}),
                                         tensor(slots, {rows_}), tensor(upload(table), {rows_, kTableWidth}), rows_,
                                         queries_, kBlockSize, &workspace, &executor_),
        "aclnnAdvanceStepGetWorkspaceSize");
  check(aclSetAclOpExecutorRepeatable(executor_), "aclSetAclOpExecutorRepeatable");
  ours_outputs_ = {tokens, positions, seq_lens_, slots};

  // The baseline: vLLM's dtypes.
  baseline_ = {static_cast<int32_t>(rows_),
               static_cast<int32_t>(queries_),
               static_cast<int32_t>(kBlockSize),
               static_cast<int64_t*>(upload(zeros)),
               static_cast<const int64_t*>(sampled_ids),
               static_cast<int64_t*>(upload(zeros)),
               static_cast<int32_t*>(upload(lengths32)),
               static_cast<int64_t*>(upload(zeros)),
               static_cast<const int32_t*>(upload(table32)),
               kTableWidth};
  pristine_seq_lens32_ = upload(lengths32);
}

Workload::~Workload() {
  if (executor_ != nullptr) (void)aclDestroyAclOpExecutor(executor_);
  for (aclTensor* made : tensors_) (void)aclDestroyTensor(made);
  for (void* address : buffers_) (void)aclrtFree(address);
}

aclnnStatus Workload::ours() const { return aclnnAdvanceStep(nullptr, 0, executor_, stream_); }

cudaError_t Workload::baseline() const { return launch_baseline(baseline_, static_cast<cudaStream_t>(stream_)); }

cudaError_t Workload::reset() const {
  const auto stream = static_cast<cudaStream_t>(stream_);
  if (cudaError_t e = cudaMemcpyAsync(seq_lens_, pristine_seq_lens_, static_cast<size_t>(rows_) * 8,
                                      cudaMemcpyDeviceToDevice, stream);
      e != cudaSuccess) {
    return e;
  }
  return cudaMemcpyAsync(baseline_.seq_lens, pristine_seq_lens32_, static_cast<size_t>(rows_) * 4,
                         cudaMemcpyDeviceToDevice, stream);
}

std::string Workload::cross_check() {
  check_cuda(reset(), "reset");
  check(ours(), "aclnnAdvanceStep");
  check_cuda(baseline(), "baseline launch");
  check(aclrtSynchronizeStream(stream_), "aclrtSynchronizeStream");
  const bool same = read<int64_t>(ours_outputs_[0], rows_) == read<int64_t>(baseline_.input_tokens, rows_) &&
                    read<int64_t>(ours_outputs_[1], rows_) == read<int64_t>(baseline_.input_positions, rows_) &&
                    read<int64_t>(ours_outputs_[3], rows_) == read<int64_t>(baseline_.slot_mapping, rows_);
  const std::vector<int64_t> lengths = read<int64_t>(seq_lens_, rows_);
  const std::vector<int32_t> lengths32 = read<int32_t>(baseline_.seq_lens, rows_);
  const bool same_lengths = std::vector<int64_t>(lengths32.begin(), lengths32.end()) == lengths;
  return same && same_lengths ? "" : "ours and the baseline disagree at Q = " + std::to_string(queries_);
}

}  // namespace advstep::bench
