#include "runtime/held_blocks.hpp"

#include <functional>

#include "core/message.hpp"

namespace advstep::runtime {

RecordingDeviceDomain::RecordingDeviceDomain(int32_t device, const core::Plan& plan, PlanBlocks& held)
    : device_(device), plan_(plan), held_(held), blocks_(blocks_now()) {}

Status RecordingDeviceDomain::check(const char* api, const char* name, const core::TensorDesc& tensor,
                                    int64_t bytes) const {
  const Block* block = nullptr;
  Status status = check_device_tensor(blocks_, device_, api, name, tensor, bytes, block);
  // The role is where the tensor sits in the plan; a tensor from elsewhere is checked, not recorded.
  const core::TensorDesc* first = plan_.tensors.data();
  const core::TensorDesc* at = &tensor;
  if (block != nullptr && std::greater_equal<>()(at, first) && std::less<>()(at, first + core::kRoleCount)) {
    held_.handles[static_cast<size_t>(at - first)] = BlockHandle(*block);
  }
  return status;
}

Status check_held_blocks(const core::Plan& plan, int32_t device, PlanBlocks& held, const char* freed_after,
                         const char* kept_until) {
  const int32_t count = plan.role_count();
  if (held.all_held(count)) return {};
  PlanBlocks now;
  const RecordingDeviceDomain memory(device, plan, now);
  if (Status s = core::check_memory(plan, &memory); !s.ok()) return s;
  for (int32_t role = 0; role < count; ++role) {
    const BlockHandle& then = held.handles[static_cast<size_t>(role)];
    if (then.empty() || then.id() == now.handles[static_cast<size_t>(role)].id()) continue;
    const core::TensorDesc& tensor = plan.tensors[static_cast<size_t>(role)];
    const char* name = core::role_name(static_cast<core::TensorRole>(role), plan.contract);
    return core::fail(StatusCode::kInvalidArgument, plan.api,
                      core::concat(name, "'s aclrtMalloc block was freed after ", freed_after),
                      core::concat("the block to stay allocated until ", kept_until),
                      core::concat("a freed block at ", core::address_string(tensor.first()),
                                   " (since allocated again to another owner)"));
  }
  held = now;
  return {};
}

}  // namespace advstep::runtime
