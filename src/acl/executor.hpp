// aclOpExecutor: a checked plan waiting for the second phase, and where executors come from.
#pragma once

#include <cstdint>

#include "aclnn/acl_meta.h"
#include "core/plan.hpp"
#include "runtime/held_blocks.hpp"

struct aclOpExecutor {
  enum class State : int32_t { kFree, kPlanned, kRan };

  State state = State::kFree;
  bool repeatable = false;
  bool addresses_changed = false;  ///< an address setter ran: memory is checked again before the run
  const char* run_api = "";        ///< the second-phase function this executor belongs to
  int32_t input_count = 0;         ///< the operator's inputs (6 for V1, 8 for V2), for the address setters
  uint64_t workspace_size = 0;
  int32_t device = 0;              ///< the runtime's device at phase 1, which the tensors belong to
  advstep::core::Plan plan;
  /// The blocks the plan's last memory check accepted: the run proves they are still allocated
  /// instead of checking the memory again.
  advstep::runtime::PlanBlocks blocks;
};

namespace advstep::acl {

/// A planned executor from the pool; executors are recycled, never returned to the heap, so that the
/// two-phase call allocates nothing once warm and a finished executor is recognised when reused.
aclOpExecutor* acquire_executor();

/// Returns @p executor to the pool.
void release_executor(aclOpExecutor* executor);

/// Whether @p executor is a pool slot (any state). Reading a foreign pointer is avoided entirely.
bool is_pool_executor(const aclOpExecutor* executor);

}  // namespace advstep::acl
