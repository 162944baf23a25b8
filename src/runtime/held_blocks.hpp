// The blocks a checked plan's tensors lie in, kept from its memory check until its run, and the
// run's proof that they are still those allocations.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "runtime/memory.hpp"

namespace advstep::runtime {

/// One allocation as a memory check found it: its slot and its id. Whether it is still allocated
/// is one load, whatever the number of blocks, and a block freed and allocated again at the same
/// address is told apart (the new block has another id).
class BlockHandle {
 public:
  BlockHandle() = default;
  explicit BlockHandle(const Block& block) : slot_(block.slot), id_(block.id) {}

  /// Whether the block is still allocated; false for an empty handle. Read while holding
  /// BlocksInUse, a true answer lasts until the guard ends (aclrtFree waits for it).
  [[nodiscard]] bool held() const { return slot_ != nullptr && slot_->id.load(std::memory_order_acquire) == id_; }
  [[nodiscard]] bool empty() const { return slot_ == nullptr; }
  [[nodiscard]] uint64_t id() const { return id_; }

 private:
  const BlockSlot* slot_ = nullptr;
  uint64_t id_ = 0;
};

/// The block of each tensor of a plan, by role (empty for a role the check did not see).
struct PlanBlocks {
  std::array<BlockHandle, core::kRoleCount> handles{};

  /// Whether the blocks of @p roles are all recorded and still allocated.
  [[nodiscard]] bool all_held(std::span<const core::TensorRole> roles) const {
    for (const core::TensorRole role : roles) {
      if (!handles[static_cast<size_t>(role)].held()) return false;
    }
    return true;
  }
};

/// A block as a memory check last found it for a role on this thread: its handle and a copy of its
/// bounds and device, which cannot change while the handle says the block is allocated.
struct KnownBlock {
  BlockHandle handle;
  uintptr_t begin = 0;
  size_t size = 0;
  int32_t device = -1;
};

/// device_memory_domain(@p device)'s rule, which also records in @p held the block of each tensor
/// of @p plan it accepts. Steps reuse their buffers, so each role's block is first looked for where
/// the calling thread's last check found it (one load to see it still allocated), and only then in
/// the registry, read at most once: keep the domain for one memory check, with no other look-up of
/// blocks on this thread while it lives.
class RecordingDeviceDomain final : public core::MemoryDomain {
 public:
  RecordingDeviceDomain(int32_t device, const core::Plan& plan, PlanBlocks& held);

  Status check(const char* api, const char* name, const core::TensorDesc& tensor, int64_t bytes) const override;

 private:
  /// A role that missed its last block, or a tensor from elsewhere (@p role == kRoleCount): the
  /// registry's answer, recorded. Out of line, so the common path stays small.
  [[gnu::noinline]] Status check_in_registry(const char* api, const char* name, const core::TensorDesc& tensor,
                                             int64_t bytes, size_t role) const;

  int32_t device_;
  const core::Plan& plan_;
  PlanBlocks& held_;
  std::array<KnownBlock, core::kRoleCount>& known_;  ///< the calling thread's last blocks, by role
  mutable const BlockList* blocks_ = nullptr;        ///< the registry, once a role misses
};

/// What a run proves before it writes, holding BlocksInUse: every tensor of @p plan still lies in
/// the block @p held recorded (one load each). When one does not, the whole memory check runs
/// again and refuses in its own words (freed, shrunk, ...); a block freed and allocated again at
/// the same address, which that check would pass, is refused (ACLNN_ERR_PARAM_INVALID) as a block
/// "freed after @p freed_after", expected to stay allocated "until @p kept_until". A role @p held
/// has no record of is taken as the check finds it; @p held then records what it found.
Status check_held_blocks(const core::Plan& plan, int32_t device, PlanBlocks& held, const char* freed_after,
                         const char* kept_until);

}  // namespace advstep::runtime
