// The prepare step on a GPU (prepare_cuda.cu), part of the CUDA backend library.
#pragma once

#include <cstdint>

#include "advstep/status.hpp"
#include "variants/prepare/prepare_fault.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::variants {

/// Where the enqueued form keeps a GPU's first unread fault, with the plan that names its sizes: the
/// launch that raises `faults` from 0 writes `fault` and `plan`, fences, then sets `published`.
struct PrepareSlot {
  unsigned int faults;     ///< faulting launches since the last collect
  unsigned int published;  ///< 1 once the first one's fault and plan are written
  PrepareFault fault;
  PreparePlan plan;
};

/// Runs a checked @p plan whose tensors are on the current GPU on @p stream (a cudaStream_t) and
/// waits for it: ok, kDataFault (nothing written, the message the host loop would give) or
/// kRuntimeError (a CUDA call failed).
Status run_prepare_on_gpu(const PreparePlan& plan, void* stream);

/// Enqueues @p plan on @p stream without waiting (capturable into a CUDA graph); a fault writes
/// nothing and is kept in @p slot (device memory) for collect_prepare_fault().
Status enqueue_prepare_on_gpu(const PreparePlan& plan, void* stream, PrepareSlot* slot);

/// GPU @p device's slot (@p device current), allocated and zeroed at its first use, kept for the process.
Status prepare_slot(int32_t device, PrepareSlot*& slot);

/// After GPU @p device was synchronised: its slot's fault (kDataFault, the host's message, later
/// faulting launches counted), then cleared; ok when there is none or the GPU never ran the form.
Status collect_prepare_fault(int32_t device);

}  // namespace advstep::variants
