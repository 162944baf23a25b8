// The host's and the GPU's implementations of the one backend interface.
#include "backends/backend.hpp"

#include "core/fault.hpp"
#include "core/message.hpp"
#include "cpu/cpu_kernel.hpp"
#include "runtime/cuda_plugin.hpp"

namespace advstep::backends {
namespace {

/// The host: every variant, under every semantics, runs in the calling thread.
class HostBackend final : public Backend {
 public:
  [[nodiscard]] const char* name() const override { return "cpu"; }
  [[nodiscard]] Status supports(const core::Plan& /*plan*/) const override { return {}; }
  Status run(const core::Plan& plan, const RunTarget& /*target*/) override {
    const core::RowFault fault = cpu::run(plan);
    return fault.ok() ? Status() : core::describe_fault(plan, fault);
  }
};

/// The GPU, through the CUDA plugin (libadvstep_cuda.so); every variant has a kernel there.
class CudaBackend final : public Backend {
 public:
  [[nodiscard]] const char* name() const override { return "cuda"; }
  [[nodiscard]] Status supports(const core::Plan& plan) const override {
    // The CUDA kernels of this source tree (cuda/advance_step_kernels.cu, variants/*/*.cu) cover
    // every variant under every semantics: the plugin's launch visits the plan's variant, so a variant
    // added without a CUDA kernel does not compile.
    (void)plan;
    return {};
  }
  Status run(const core::Plan& plan, const RunTarget& target) override {
    return runtime::cuda_plugin().run_native(plan, target.gpu, target.stream, target.synchronous);
  }
};

}  // namespace

Backend& backend_for(Device device) {
  static HostBackend host;
  static CudaBackend gpu;
  if (device == Device::kCuda) return gpu;
  return host;
}

Status run_supported(Backend& backend, const core::Plan& plan, const RunTarget& target) {
  if (Status s = backend.supports(plan); !s.ok()) return s;
  return backend.run(plan, target);
}

const char* variant_name(const core::Plan& plan) {
  switch (plan.path()) {
    case core::Path::kSpeculative:
      return "speculative";
    case core::Path::kFlashInfer:
      return "FlashInfer";
    case core::Path::kPlain:
      break;
  }
  return "decode";
}

}  // namespace advstep::backends
