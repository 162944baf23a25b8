// The device side of the ACL runtime's events on a GPU: a cudaEvent_t.
#pragma once

#include <cstdint>
#include <memory>

#include "advstep/status.hpp"
#include "runtime/device_backend.hpp"

namespace advstep::cuda {

/// A CUDA event on GPU @p device, made with cudaEventDisableTiming unless @p timing.
Status create_event(int32_t device, bool timing, std::unique_ptr<runtime::DeviceEvent>& event);

/// Free and total bytes of GPU @p device's memory (cudaMemGetInfo).
Status memory_info(int32_t device, size_t& free, size_t& total);

}  // namespace advstep::cuda
