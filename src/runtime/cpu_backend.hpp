// The host CPU as the runtime's device: device 0, host memory, streams that run work in place.
#pragma once

#include <cstddef>
#include <memory>

#include "runtime/device_backend.hpp"

namespace advstep::runtime {

/// The backend of ADVSTEP_DEVICE=cpu, and of "auto" when no GPU can be used.
std::unique_ptr<DeviceBackend> make_cpu_backend();

/// The host's physical memory: pages not in use now (@p free) and in all (@p total), in bytes.
Status host_memory(size_t& free, size_t& total);

}  // namespace advstep::runtime
