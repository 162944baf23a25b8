// How a launch publishes a fault into its record and how a collect reads and clears it, safely while
// other launches (or graph replays) that use the record run on other streams. Host and device code:
// the kernels use it with DeviceAtomics, the host tests with std::atomic_ref over the same steps.
//
// A faulting launch adds 1 to `faults`; the one that found it 0 is the first: it writes `fault` and
// `context`, fences, and then sets `published`. A collect takes a fault only by exchanging
// `published` for 0 (so two collects never take the same one), fences, reads the fault, fences, and
// only then exchanges `faults` for 0: the count it gets is the first fault and every launch that
// faulted after it, and no new first can overwrite the fault before it was read. A record whose first
// fault is counted but not yet published is left alone (it is taken by a later collect), so a fault is
// never cleared unread, never read half written, and never taken twice.
#pragma once

#include <cstddef>

#include "core/host_device.hpp"
#include "core/row.hpp"
#include "cuda/fault_record.hpp"

namespace advstep::cuda {

/// Copies @p source by 32-bit volatile loads: on a GPU they read the L2, never a line that this SM's
/// L1 cached before the fault was published.
template <typename T>
ADVSTEP_HOST_DEVICE void load_published(T& target, const T& source) {
  static_assert(sizeof(T) % sizeof(unsigned int) == 0 && alignof(T) >= alignof(unsigned int), "copied in words");
  const volatile auto* from = reinterpret_cast<const volatile unsigned int*>(&source);
  auto* to = reinterpret_cast<unsigned int*>(&target);
  for (size_t k = 0; k < sizeof(T) / sizeof(unsigned int); ++k) to[k] = from[k];
}

/// Keeps @p fault (with @p context) for the host unless an earlier one is unread, in which case it
/// is only counted. Ops: static add(unsigned int*, unsigned int) and exchange(unsigned int*,
/// unsigned int), both atomic and returning the old value, and fence() (device-wide).
template <typename Ops>
ADVSTEP_HOST_DEVICE void publish_fault(FaultRecord* record, const core::RowFault& fault, const FaultContext& context) {
  if (Ops::add(&record->faults, 1u) != 0u) return;
  record->fault = fault;
  record->context = context;
  Ops::fence();  // the fault is visible before the flag that says so
  Ops::exchange(&record->published, 1u);
}

/// Takes @p record's published fault, with the launches that faulted after it, and clears it; or
/// takes nothing (claimed == 0) when none is published.
template <typename Ops>
ADVSTEP_HOST_DEVICE FaultReport collect_fault(FaultRecord* record) {
  FaultReport report{};
  if (Ops::exchange(&record->published, 0u) == 0u) return report;
  Ops::fence();  // the fault is read after the flag
  load_published(report.fault, record->fault);
  load_published(report.context, record->context);
  report.claimed = 1u;
  Ops::fence();  // read before the count is reset: only then may a new first fault overwrite it
  report.later = Ops::exchange(&record->faults, 0u) - 1u;
  return report;
}

#ifdef __CUDACC__
/// The protocol's operations on a GPU.
struct DeviceAtomics {
  __device__ static unsigned int add(unsigned int* address, unsigned int value) { return atomicAdd(address, value); }
  __device__ static unsigned int exchange(unsigned int* address, unsigned int value) {
    return atomicExch(address, value);
  }
  __device__ static void fence() { __threadfence(); }
};
#endif

}  // namespace advstep::cuda
