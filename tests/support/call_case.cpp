#include "support/call_case.hpp"

#include <cstdlib>
#include <optional>
#include <utility>

#include "aclnnop/aclnn_advance_step.h"
#include "aclnnop/aclnn_advance_step_v2.h"

namespace advstep::testing {
namespace {

constexpr const char* kV1 = "aclnnAdvanceStep";
constexpr const char* kV2 = "aclnnAdvanceStepV2";

std::vector<int64_t> row_major(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

}  // namespace

TensorPtr make_tensor(void* data, const std::vector<int64_t>& shape, std::vector<int64_t> strides, int64_t offset,
                      aclDataType type) {
  if (strides.empty()) strides = row_major(shape);
  return TensorPtr(aclCreateTensor(shape.data(), shape.size(), type, strides.data(), offset, ACL_FORMAT_ND,
                                   shape.data(), shape.size(), data));
}

StreamHandle::StreamHandle(bool deferred) {
  constexpr const char* kVariable = "ADVSTEP_STREAM_MODE";
  const char* outer = std::getenv(kVariable);
  const std::optional<std::string> saved = outer == nullptr ? std::nullopt : std::optional<std::string>(outer);
  if (deferred) {
    setenv(kVariable, "deferred", 1);
  } else {
    unsetenv(kVariable);
  }
  const aclError status = aclrtCreateStream(&stream_);
  if (saved) {
    setenv(kVariable, saved->c_str(), 1);
  } else {
    unsetenv(kVariable);
  }
  if (status != ACL_SUCCESS) ADD_FAILURE() << "aclrtCreateStream: " << status;
}

StreamHandle::~StreamHandle() {
  if (stream_ != nullptr) (void)aclrtDestroyStream(stream_);
}

void clear_messages() {
  (void)aclGetRecentErrMsg();
}

::testing::AssertionResult message_has(std::string_view api, std::initializer_list<std::string_view> parts) {
  const std::string text = last_error_message();
  const char* again = aclGetRecentErrMsg();
  if (again == nullptr || std::string_view(again) != "") {
    return ::testing::AssertionFailure() << "message not cleared after reading; second read: "
                                         << (again == nullptr ? "(null)" : again);
  }
  if (text.find("TraceBack") != std::string::npos) {
    return ::testing::AssertionFailure() << "more than one report pending: " << text;
  }
  if (text.find(std::string(api) + ": ") == std::string::npos) {
    return ::testing::AssertionFailure() << "message does not name " << api << ": " << text;
  }
  for (std::string_view part : parts) {
    if (text.find(part) == std::string::npos) {
      return ::testing::AssertionFailure() << "message lacks \"" << part << "\": " << text;
    }
  }
  return ::testing::AssertionSuccess();
}

CallCase CallCase::official_v1() {
  const std::vector<int64_t> arange = {0, 1, 2, 3, 4, 5, 6, 7};
  CallCase c;
  c.set(kTokens, arange, {8, 1});
  c.set(kSampled, {0, 1, 2, 3}, {4, 1});
  c.set(kPositions, arange, {8, 1});
  c.set(kSeqLens, arange, {8, 1});
  c.set(kSlots, arange, {8, 1});
  c.set(kTables, arange, {8, 1});
  c.num_seqs = 8;
  c.num_queries = 4;
  c.block_size = 2;
  return c;
}

CallCase CallCase::speculative_v2() {
  CallCase c;
  c.set(kTokens, {0, 0, 0, 0, 0, 0}, {6});
  c.set(kSampled, {10, 11, -1, 20, 21, 22}, {2, 3});  // row 0 ends early: its last token is 11
  c.set(kPositions, {0, 1, 2, 4, 5, 6}, {6});
  c.set(kSeqLens, {9, 9, 9, 9, 9, 9}, {6});
  c.set(kSlots, {0, 0, 0, 0, 0, 0}, {6});
  c.set(kTables, {0, 1, 2, 3, 4, 5}, {2, 3});
  c.set(kSpec, {100, 101, 200, 201}, {2, 2});
  c.set(kAccepted, {1, 2}, {2});
  c.num_seqs = 2;
  c.num_queries = 2;
  c.block_size = 4;
  return c;
}

SpeculativeResult speculative_expected() {
  // Sequence 0 accepted 1: p = pos + 2 = 2, 3, 4 -> blocks bt[0], bt[0], bt[1] of row 0.
  // Sequence 1 accepted 2: p = pos + 3 = 7, 8, 9 -> blocks bt[3 + 1], bt[3 + 2], bt[3 + 2].
  return {{11, 100, 101, 22, 200, 201}, {2, 3, 4, 7, 8, 9}, {3, 4, 5, 8, 9, 10}, {2, 3, 4, 19, 20, 21}};
}

void CallCase::use(Role role, const aclTensor* tensor) {
  replaced_[role] = true;
  replacement_[role] = tensor;
}

void CallCase::set(Role role, const std::vector<int64_t>& values, std::vector<int64_t> shape, aclDataType type) {
  tensors[role] = DeviceTensor(values, std::move(shape), type);
  replaced_[role] = false;
}

const aclTensor* CallCase::arg(Role role) const {
  return replaced_[role] ? replacement_[role] : tensors[role].get();
}

int32_t CallCase::plan_v1() {
  return aclnnAdvanceStepGetWorkspaceSize(
      arg(kTokens), arg(kSampled), arg(kPositions), arg(kSeqLens), arg(kSlots), arg(kTables), num_seqs, num_queries,
      block_size, pass_workspace_size ? &workspace_size : nullptr, pass_executor ? &executor : nullptr);
}

int32_t CallCase::plan_v2() {
  return aclnnAdvanceStepV2GetWorkspaceSize(arg(kTokens), arg(kSampled), arg(kPositions), arg(kSeqLens), arg(kSlots),
                                            arg(kTables), arg(kSpec), arg(kAccepted), num_seqs, num_queries, block_size,
                                            pass_workspace_size ? &workspace_size : nullptr,
                                            pass_executor ? &executor : nullptr);
}

std::vector<std::vector<uint8_t>> CallCase::bytes() const {
  std::vector<std::vector<uint8_t>> all;
  for (const DeviceTensor& tensor : tensors) all.push_back(tensor.raw());
  return all;
}

::testing::AssertionResult CallCase::refused(bool v2, int32_t code, std::initializer_list<std::string_view> parts) {
  const auto before = bytes();
  clear_messages();
  executor = nullptr;
  const int32_t status = v2 ? plan_v2() : plan_v1();
  if (status != code) {
    return ::testing::AssertionFailure() << "status " << status << ", expected " << code
                                         << "; message: " << last_error_message();
  }
  if (executor != nullptr) return ::testing::AssertionFailure() << "a refused call handed out an executor";
  if (auto result = message_has(v2 ? kV2 : kV1, parts); !result) return result;
  if (bytes() != before) return ::testing::AssertionFailure() << "a refused call changed a tensor";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult CallCase::faults(bool v2, std::initializer_list<std::string_view> parts, bool deferred) {
  const auto before = bytes();
  const StreamHandle stream(deferred);
  clear_messages();
  if (const int32_t status = v2 ? plan_v2() : plan_v1(); status != ACL_SUCCESS) {
    return ::testing::AssertionFailure() << "phase 1 returned " << status << ": " << last_error_message();
  }
  const int32_t run = v2 ? aclnnAdvanceStepV2(nullptr, workspace_size, executor, stream.get())
                         : aclnnAdvanceStep(nullptr, workspace_size, executor, stream.get());
  if (run != ACL_SUCCESS) {
    return ::testing::AssertionFailure() << "phase 2 returned " << run << ": " << last_error_message();
  }
  if (const aclError sync = aclrtSynchronizeStream(stream.get()); sync != ACL_ERROR_RT_AICORE_EXCEPTION) {
    return ::testing::AssertionFailure() << "synchronisation returned " << sync << ", expected 507015";
  }
  if (auto result = message_has(v2 ? kV2 : kV1, parts); !result) return result;
  if (const aclError again = aclrtSynchronizeStream(stream.get()); again != ACL_SUCCESS) {
    return ::testing::AssertionFailure() << "the fault was reported twice: " << again;
  }
  if (bytes() != before) return ::testing::AssertionFailure() << "a faulting step wrote a tensor";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult CallCase::runs(bool v2, bool deferred) {
  const StreamHandle stream(deferred);
  if (const int32_t status = v2 ? plan_v2() : plan_v1(); status != ACL_SUCCESS) {
    return ::testing::AssertionFailure() << "phase 1 returned " << status << ": " << last_error_message();
  }
  const int32_t run = v2 ? aclnnAdvanceStepV2(nullptr, workspace_size, executor, stream.get())
                         : aclnnAdvanceStep(nullptr, workspace_size, executor, stream.get());
  if (run != ACL_SUCCESS) {
    return ::testing::AssertionFailure() << "phase 2 returned " << run << ": " << last_error_message();
  }
  if (const aclError sync = aclrtSynchronizeStream(stream.get()); sync != ACL_SUCCESS) {
    return ::testing::AssertionFailure() << "synchronisation returned " << sync << ": " << last_error_message();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace advstep::testing
