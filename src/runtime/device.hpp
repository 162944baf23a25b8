// Which device the calling thread works on: device 0 is the host CPU, or devices are the GPUs of
// the CUDA backend (runtime/device_backend.hpp chooses).
#pragma once

#include <cstdint>

#include "advstep/status.hpp"

namespace advstep::runtime {

uint32_t device_count();
const char* soc_name();
int32_t current_device();
/// Binds the calling thread to @p device and takes a reference; ACL_ERROR_RT_INVALID_DEVICEID outside [0, device_count()),
/// ACL_ERROR_RT_NO_DEVICE when the requested backend cannot run (ADVSTEP_DEVICE=cuda without a GPU).
Status set_device(int32_t device);
/// Binds the calling thread to @p device without taking a reference (a context's device); the
/// same checks and codes as set_device().
Status bind_thread(const char* api, int32_t device);
/// Drops one reference (all of them when @p force); ACL_ERROR_RT_INVALID_DEVICEID outside [0, device_count()).
Status reset_device(int32_t device, bool force);

}  // namespace advstep::runtime
