// Repeatable executors and their address setters.
#include <array>

#include "acl/acl_tensor.hpp"
#include "acl/boundary.hpp"
#include "acl/executor.hpp"
#include "core/message.hpp"

namespace advstep::acl {
namespace {

/// The outputs alias the in/out inputs: output k is input kOutputRoles[k].
constexpr std::array<core::TensorRole, 4> kOutputRoles = {core::TensorRole::kInputTokens, core::TensorRole::kInputPositions,
                                                          core::TensorRole::kSeqLens, core::TensorRole::kSlotMapping};

Status live_executor(const char* api, const aclOpExecutor* executor) {
  if (executor == nullptr) {
    return core::fail(StatusCode::kInnerNullPointer, api, "executor must not be null", "an aclOpExecutor*", "nullptr");
  }
  if (!is_pool_executor(executor) || executor->state != aclOpExecutor::State::kPlanned) {
    return core::fail(StatusCode::kInvalidArgument, api, "executor is not a live executor from a first phase",
                      "a planned or repeatable executor", core::address_string(executor));
  }
  return {};
}

/// Re-points input @p role of the plan (and @p tensor, when given) at @p address.
Status set_address(const char* api, aclOpExecutor* executor, core::TensorRole role, aclTensor* tensor, void* address) {
  if (Status s = live_executor(api, executor); !s.ok()) return s;
  if (static_cast<int32_t>(role) >= executor->plan.role_count()) {
    return core::fail(StatusCode::kInvalidArgument, api,
                      core::concat(core::role_name(role, core::Contract::kCann), " is not an input of this plan"),
                      core::concat("an index below ", executor->plan.role_count()), static_cast<int32_t>(role));
  }
  executor->plan.tensor(role).data = address;
  executor->addresses_changed = true;
  if (tensor != nullptr) tensor->data = address;
  return {};
}

Status index_out_of_range(const char* api, size_t index, int32_t count) {
  return core::fail(StatusCode::kInvalidArgument, api, "index must name a tensor of the operator",
                    core::concat("0..", count - 1), index);
}

}  // namespace
}  // namespace advstep::acl

using advstep::Status;
using advstep::acl::guarded;
using advstep::acl::kOutputRoles;
using advstep::acl::live_executor;
using advstep::acl::set_address;
using advstep::core::TensorRole;

extern "C" {

aclnnStatus aclSetAclOpExecutorRepeatable(aclOpExecutor* executor) {
  return guarded("aclSetAclOpExecutorRepeatable", [&]() -> Status {
    if (Status s = live_executor("aclSetAclOpExecutorRepeatable", executor); !s.ok()) return s;
    executor->repeatable = true;
    return {};
  });
}

aclnnStatus aclDestroyAclOpExecutor(aclOpExecutor* executor) {
  return guarded("aclDestroyAclOpExecutor", [&]() -> Status {
    // Any executor of a first phase that is still live: repeatable, or single use and never run
    // (CANN's implementation deletes both; the second phase has already freed a single-use one).
    if (Status s = live_executor("aclDestroyAclOpExecutor", executor); !s.ok()) return s;
    advstep::acl::release_executor(executor);
    return {};
  });
}

aclnnStatus aclSetInputTensorAddr(aclOpExecutor* executor, const size_t index, aclTensor* tensor, void* addr) {
  return guarded("aclSetInputTensorAddr", [&]() -> Status {
    const int32_t count = executor != nullptr && advstep::acl::is_pool_executor(executor) ? executor->input_count : advstep::core::kRoleCount;
    if (executor != nullptr && index >= static_cast<size_t>(count)) {
      return advstep::acl::index_out_of_range("aclSetInputTensorAddr", index, count);
    }
    return set_address("aclSetInputTensorAddr", executor, static_cast<TensorRole>(index), tensor, addr);
  });
}

aclnnStatus aclSetOutputTensorAddr(aclOpExecutor* executor, const size_t index, aclTensor* tensor, void* addr) {
  return guarded("aclSetOutputTensorAddr", [&]() -> Status {
    if (executor != nullptr && index >= kOutputRoles.size()) {
      return advstep::acl::index_out_of_range("aclSetOutputTensorAddr", index, static_cast<int32_t>(kOutputRoles.size()));
    }
    const TensorRole role = executor != nullptr ? kOutputRoles[index] : TensorRole::kInputTokens;
    return set_address("aclSetOutputTensorAddr", executor, role, tensor, addr);
  });
}

aclnnStatus aclSetTensorAddr(aclOpExecutor* executor, const size_t index, aclTensor* tensor, void* addr) {
  return guarded("aclSetTensorAddr", [&]() -> Status {
    if (Status s = live_executor("aclSetTensorAddr", executor); !s.ok()) return s;
    const auto inputs = static_cast<size_t>(executor->input_count);
    if (index >= inputs + kOutputRoles.size()) {
      return advstep::acl::index_out_of_range("aclSetTensorAddr", index, static_cast<int32_t>(inputs + kOutputRoles.size()));
    }
    const TensorRole role = index < inputs ? static_cast<TensorRole>(index) : kOutputRoles[index - inputs];
    return set_address("aclSetTensorAddr", executor, role, tensor, addr);
  });
}

}  // extern "C"
