#include "native/device_memory.hpp"

#include "advstep/advance_step.hpp"

#include "backends/backend.hpp"
#include "core/message.hpp"
#include "runtime/cuda_plugin.hpp"

namespace advstep::native {
namespace {

const char* device_name(Device device) { return device == Device::kCuda ? "cuda" : "cpu"; }

}  // namespace

Status NativeMemory::check(const char* api, const char* name, const core::TensorDesc& tensor,
                           int64_t /*bytes*/) const {
  if (tensor.device != device_) {
    return core::fail(StatusCode::kInvalidArgument, api, core::concat(name, " must be on the same device as input_tokens"),
                      device_name(device_), device_name(tensor.device));
  }
  if (!device_available(device_)) {
    return core::fail(StatusCode::kInvalidArgument, api,
                      core::concat(name, " is on a device this build or machine cannot run"), "cpu",
                      device_name(tensor.device));
  }
  // A tensor with no element (paged_kv_indices of a batch without pages) is never read or written.
  if (tensor.numel() == 0) return {};
  if (tensor.data == nullptr) {
    return core::fail(StatusCode::kNullPointer, api, core::concat(name, " data must not be null"), "an address",
                      "nullptr");
  }
  if (device_ == Device::kCuda) return runtime::cuda_plugin().check_native_tensor(api, name, tensor, gpu_);
  return {};
}

Status execute(const core::Plan& plan, const NativeMemory& memory, Device device, void* stream, bool synchronous) {
  return backends::run_supported(backends::backend_for(device), plan, {memory.gpu(), stream, synchronous});
}

}  // namespace advstep::native

namespace advstep {

bool device_available(Device device) {
  return device == Device::kCpu || (device == Device::kCuda && runtime::cuda_plugin().available());
}

}  // namespace advstep
