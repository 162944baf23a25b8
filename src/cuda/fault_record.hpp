// The device-resident record through which the kernels report a data fault to the host.
//
// One record per stream (and per thread and GPU for the native API). A launch either writes every
// row or, when its check pass finds a fault, writes nothing and keeps its fault (the row the CPU
// would report) in the record, which a collect kernel reads back (and clears) for the host when it
// synchronises the stream.
#pragma once

#include <cuda_runtime_api.h>

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

/// What a collect hands the host (fault_protocol.hpp): one record's published fault, or nothing.
struct FaultReport {
  unsigned int claimed;  ///< 1 when `fault` holds a fault the host had not read yet
  unsigned int later;    ///< faulting launches after that one, before the host read it: counted, not kept
  core::RowFault fault;
  FaultContext context;
};

/// Between launches launch_key == kNoFault and blocks_done == 0: every launch restores them
/// itself, so launches need no reset from the host and replay unchanged from a CUDA graph.
/// The fault fields follow the protocol of fault_protocol.hpp: the launch that raises `faults` from
/// 0 writes `fault` and `context`, fences, and only then sets `published`; a collect takes a fault
/// only once published, so it never reads one half written, and clears nothing it has not read.
struct FaultRecord {
  unsigned int faults;     ///< faulting launches since the last collect; the first of them keeps its fault
  unsigned int published;  ///< 1 once that first fault's `fault` and `context` are written and fenced
  core::RowFault fault;
  FaultContext context;
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
  return {plan.api,       plan.contract,   plan.path(),      plan.spec_num(),
          plan.block_size, plan.table_stride, plan.table_numel};
}

/// The context of a post_update launch (built on the host: api is a host string). Its fault's own
/// kind goes in spec_num and its output's dtype (1: int32) in block_size, set by the kernel that
/// found it; the RowFault holds b, r, value, extra and limit (variants/prepare/post_update_cuda.cu).
inline FaultContext post_update_fault_context() {
  return {"advstep::post_update", core::Contract::kVllm, core::Path::kPlain, 0, 0, 0, 0};
}

/// The status of a fault read back from a record: kDataFault with the message the CPU would give,
/// followed by how many later launches also faulted (and wrote nothing) when any did. A claimed
/// report is never success: one whose fault reads as none (which the protocol rules out) still
/// gives kDataFault, saying that its details were lost.
Status describe(const FaultReport& report);

/// Enqueues on @p stream one small kernel that reads and clears @p count records (device memory)
/// into @p readback (@p count reports in mapped pinned memory, see allocate_readback()), by the
/// protocol of fault_protocol.hpp: safe while launches or graph replays using the records run on
/// other streams (a fault being written then is left for a later collect, and nothing published is
/// cleared unread). The reports are there once @p stream is synchronised.
cudaError_t enqueue_fault_collect(FaultRecord* records, size_t count, FaultReport* readback, cudaStream_t stream);

/// @p count reports in pinned host memory mapped for the device (which the collect kernel writes),
/// zeroed; released with cudaFreeHost.
cudaError_t allocate_readback(size_t count, FaultReport*& readback);

}  // namespace advstep::cuda
