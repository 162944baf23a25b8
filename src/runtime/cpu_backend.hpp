// The host CPU as the runtime's device: device 0, host memory, streams that run work in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "runtime/device_backend.hpp"

namespace advstep::runtime {

/// The backend of ADVSTEP_DEVICE=cpu, and of "auto" when no GPU can be used. It shows @p devices
/// devices (ADVSTEP_CPU_DEVICES, 1 unless set), all the same host, so that the rules that tie
/// memory and streams to a device are exercised without a second GPU.
std::unique_ptr<DeviceBackend> make_cpu_backend(uint32_t devices);

/// The host's physical memory: pages not in use now (@p free) and in all (@p total), in bytes.
Status host_memory(size_t& free, size_t& total);

}  // namespace advstep::runtime
