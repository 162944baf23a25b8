// The device-resident record through which the kernels report a data fault to the host.
//
// One record per stream (and per thread and GPU for the native API). A launch either writes every
// row or, when its check pass finds a fault, writes nothing and keeps the first fault (the row the
// CPU would report) in `report`, which the host reads back when it synchronises the stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "core/row.hpp"

namespace advstep::cuda {

/// No fault: larger than every fault key. A key orders faults as the CPU's loops meet them.
inline constexpr unsigned long long kNoFault = ~0ull;

/// The part of a plan that core::describe_fault reads, carried by the launch that faulted.
struct FaultContext {
  const char* api;  ///< the plan's API name, a string literal: stored and handed back, never read on the device
  core::Contract contract;
  core::Path path;
  int64_t spec_num;
  int64_t block_size;
  int64_t table_stride;
  int64_t table_numel;
};

/// What the host copies back at synchronisation.
struct FaultReport {
  unsigned int claimed;  ///< 1 once `fault` holds a fault the host has not read yet
  unsigned int later;    ///< faulting launches after that one, before the host read it: counted, not kept
  core::RowFault fault;
  FaultContext context;
};

/// The fields the host resets after reading a report (claimed and later), one memset from the start.
inline constexpr size_t kFaultReportResetBytes = offsetof(FaultReport, fault);
static_assert(offsetof(FaultReport, later) == sizeof(unsigned int) && kFaultReportResetBytes >= 2 * sizeof(unsigned int),
              "claimed and later are reset together");

/// Between launches launch_key == kNoFault and blocks_done == 0: every launch restores them
/// itself, so launches need no reset from the host and replay unchanged from a CUDA graph.
struct FaultRecord {
  FaultReport report;
  unsigned long long launch_key;  ///< the smallest fault key of the check pass in flight
  unsigned long long verdict;     ///< the last check pass's smallest key, read by its write pass
  unsigned int blocks_done;       ///< blocks of the check pass in flight that have finished
};

static_assert(std::is_trivially_copyable_v<FaultRecord>, "records are copied with cudaMemcpy");

/// The state a new record starts in.
inline FaultRecord initial_fault_record() {
  FaultRecord record{};
  record.launch_key = kNoFault;
  record.verdict = kNoFault;
  return record;
}

/// The context of @p plan's launches.
inline FaultContext fault_context(const core::Plan& plan) {
  return {plan.api,       plan.contract,   plan.path,        plan.spec_num,
          plan.block_size, plan.table_stride, plan.table_numel};
}

/// The status of a fault read back from a record: kDataFault with the message the CPU would give,
/// followed by how many later launches also faulted (and wrote nothing) when any did.
Status describe(const FaultReport& report);

}  // namespace advstep::cuda
