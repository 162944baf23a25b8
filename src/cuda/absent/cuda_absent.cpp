// The CUDA entry points of a build without the CUDA backend (ADVSTEP_CUDA=OFF, or AUTO without nvcc).
#include "cuda/cuda_entry.hpp"

#include "core/message.hpp"

namespace advstep::cuda {

std::unique_ptr<runtime::DeviceBackend> make_backend(std::string& why_not) {
  why_not = "a build without the CUDA backend (configure with -DADVSTEP_CUDA=ON)";
  return nullptr;
}

bool available() { return false; }

Status check_native_tensor(const char* api, const char* name, const core::TensorDesc& /*tensor*/, int32_t& /*device*/) {
  return core::fail(StatusCode::kInvalidArgument, api,
                    core::concat(name, " is a CUDA tensor, but this build has no CUDA backend"), "a cpu tensor", "cuda");
}

Status run_native(const core::Plan& plan, void* /*stream*/) {
  return core::fail(StatusCode::kRuntimeError, plan.api, "the CUDA backend is not built", "ADVSTEP_CUDA=ON", "OFF");
}

}  // namespace advstep::cuda
