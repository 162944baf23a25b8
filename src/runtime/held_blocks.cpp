#include "runtime/held_blocks.hpp"

#include "core/message.hpp"

namespace advstep::runtime {

namespace {

/// Trivially destructible and constant-initialised: one TLS access, no guard.
thread_local std::array<KnownBlock, core::kRoleCount> t_known_blocks;

}  // namespace

RecordingDeviceDomain::RecordingDeviceDomain(int32_t device, const core::Plan& plan, PlanBlocks& held)
    : device_(device), plan_(plan), held_(held), known_(t_known_blocks) {}

Status RecordingDeviceDomain::check(const char* api, const char* name, const core::TensorDesc& tensor,
                                    int64_t bytes) const {
  // The role is where the tensor sits in the plan; a tensor from elsewhere is checked, not recorded.
  const auto offset = reinterpret_cast<uintptr_t>(&tensor) - reinterpret_cast<uintptr_t>(plan_.tensors.data());
  const size_t role = offset % sizeof(core::TensorDesc) == 0 ? offset / sizeof(core::TensorDesc) : core::kRoleCount;
  const auto at = reinterpret_cast<uintptr_t>(tensor.first());
  if (role < core::kRoleCount) {
    // The same holding rule as BlockList::holding and the same device rule as check_device_tensor.
    const KnownBlock& known = known_[role];
    if (known.device == device_ && at - known.begin < known.size &&
        static_cast<uint64_t>(bytes) <= known.begin + known.size - at && known.handle.held()) {
      held_.handles[role] = known.handle;
      return {};
    }
  }
  return check_in_registry(api, name, tensor, bytes, role);
}

Status RecordingDeviceDomain::check_in_registry(const char* api, const char* name, const core::TensorDesc& tensor,
                                                int64_t bytes, size_t role) const {
  if (blocks_ == nullptr) blocks_ = &blocks_now();
  const Block* block = nullptr;
  Status status = check_device_tensor(*blocks_, device_, api, name, tensor, bytes, block);
  if (block != nullptr && role < core::kRoleCount) {
    held_.handles[role] = BlockHandle(*block);
    known_[role] = KnownBlock{BlockHandle(*block), block->begin, block->size, block->device};
  }
  return status;
}

Status check_held_blocks(const core::Plan& plan, int32_t device, PlanBlocks& held, const char* freed_after,
                         const char* kept_until) {
  const std::span<const core::TensorRole> roles = plan.roles();
  if (held.all_held(roles)) return {};
  PlanBlocks now;
  const RecordingDeviceDomain memory(device, plan, now);
  if (Status s = core::check_memory(plan, &memory); !s.ok()) return s;
  for (const core::TensorRole role : roles) {
    const BlockHandle& then = held.handles[static_cast<size_t>(role)];
    if (then.empty() || then.id() == now.handles[static_cast<size_t>(role)].id()) continue;
    const core::TensorDesc& tensor = plan.tensor(role);
    const char* name = core::role_name(role, plan.contract);
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
