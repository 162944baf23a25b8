#include "acl/operator_run.hpp"

#include <cstring>
#include <utility>

#include "core/message.hpp"
#include "runtime/memory.hpp"
#include "runtime/stream.hpp"

namespace advstep::acl {
namespace {

/// Everything the second phase checks once the executor is known to be live.
Status check_run(const char* api, void* workspace, uint64_t workspace_size, aclOpExecutor& executor) {
  if (std::strcmp(executor.run_api, api) != 0) {
    return core::fail(StatusCode::kInvalidArgument, api, "executor was planned for another operator",
                      core::concat("an executor from ", api, "GetWorkspaceSize"),
                      core::concat("one from ", executor.run_api, "GetWorkspaceSize"));
  }
  if (workspace == nullptr && workspace_size > 0) {
    return core::fail(StatusCode::kNullPointer, api, "workspace must not be null when workspaceSize > 0",
                      "device memory", "nullptr");
  }
  if (workspace_size < executor.workspace_size) {
    return core::fail(StatusCode::kInvalidArgument, api, "workspaceSize is smaller than phase 1 asked for",
                      core::concat(">= ", executor.workspace_size), workspace_size);
  }
  if (executor.addresses_changed) {
    // A setter re-pointed tensors: the whole memory check again, whose blocks are held from now on.
    const runtime::RecordingDeviceDomain memory(executor.device, executor.plan, executor.blocks);
    if (Status s = core::check_memory(executor.plan, &memory); !s.ok()) return s;
    executor.addresses_changed = false;
  }
  return {};
}

/// Runs @p plan once its blocks are proven still allocated: the blocks its memory check accepted
/// (@p held) may have been freed since, or freed and allocated again at the same address, and
/// nothing may be written into them. The layout, extents and overlaps the check also proved depend
/// on the plan's addresses alone, which only a setter changes (and then the check runs again).
Status checked_run(const core::Plan& plan, int32_t device_id, runtime::PlanBlocks& held, runtime::DeviceQueue& device,
                   const char* freed_after, const char* kept_until) {
  const runtime::BlocksInUse in_use;  // aclrtFree on another thread waits for this run's writes
  if (Status s = runtime::check_held_blocks(plan, device_id, held, freed_after, kept_until); !s.ok()) return s;
  return device.run(plan);
}

}  // namespace

Status run_operator(const char* api, void* workspace, uint64_t workspace_size, aclOpExecutor* executor,
                    aclrtStream stream) {
  if (executor == nullptr) {
    return core::fail(StatusCode::kNullPointer, api, "executor must not be null", "an aclOpExecutor*", "nullptr");
  }
  if (!is_pool_executor(executor) || executor->state != aclOpExecutor::State::kPlanned) {
    return core::fail(StatusCode::kInvalidArgument, api,
                      "executor was already run or did not come from the first phase (make it repeatable to run it again)",
                      "a planned executor", core::address_string(executor));
  }
  Status status = check_run(api, workspace, workspace_size, *executor);
  if (status.ok()) {
    const auto target = runtime::find_stream(stream);
    if (!target) {
      status = core::fail(StatusCode::kRuntimeError, api, "stream must come from aclrtCreateStream",
                          "a live stream or NULL", core::address_string(stream));
    } else if (target->device_id() != executor->device) {
      // A kernel on another device's stream would reach this device's memory through peer access,
      // or fault: refused, as a tensor of another device is in the first phase.
      status = core::fail(StatusCode::kInvalidArgument, api,
                          "stream is on another device than the executor's tensors",
                          core::concat("a stream of device ", executor->device),
                          core::concat("one of device ", target->device_id()));
    } else if (target->deferred()) {
      // Deferred work runs at synchronisation: a block freed since this call must not be written.
      // It keeps the blocks the first phase found: freed before it runs, they are refused there
      // even when their addresses were handed out again.
      target->submit([plan = executor->plan, &device = target->device(), device_id = executor->device,
                      held = executor->blocks]() mutable {
        return checked_run(plan, device_id, held, device, "the step was queued", "the stream is synchronised");
      });
    } else {
      // The device runs the plan in place (host) or enqueues its kernels (GPU). A data fault is kept
      // by the stream, or by the GPU's fault record, for the next synchronisation; memory freed since
      // the first phase, or a launch the GPU refused, is this call's own failure (eager submission
      // runs the task before returning). A GPU's kernels cannot outlive their blocks: aclrtFree's
      // cudaFree waits for the device first.
      Status refused;
      target->submit([executor, &device = target->device(), &refused]() {
        Status result = checked_run(executor->plan, executor->device, executor->blocks, device,
                                    "the first phase", "the step has run");
        if (result.ok() || result.code() == StatusCode::kDataFault) return result;
        refused = std::move(result);
        return Status();
      });
      status = std::move(refused);
    }
  }
  if (!executor->repeatable) {
    executor->state = aclOpExecutor::State::kRan;
    release_executor(executor);
  }
  return status;
}

}  // namespace advstep::acl
