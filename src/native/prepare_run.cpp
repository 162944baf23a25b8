// The prepare step's dispatch between the host loop and the CUDA backend.
#include "native/prepare_run.hpp"

#include <string>

#include "advstep/advance_step.hpp"
#include "core/tensor_desc.hpp"
#include "native/describe_view.hpp"
#include "runtime/cuda_plugin.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::native {

void run_prepare_plan(const variants::PreparePlan& plan, const std::vector<variants::Named>& tensors, bool on_device,
                      Stream stream, bool wait) {
  if (!on_device) {
    if (Status s = variants::run_prepare_cpu(plan); !s.ok()) throw Error(s);
    return;
  }
  // The native memory rule of CUDA tensors: GPU (or managed) memory, all on one GPU.
  const runtime::CudaPlugin& backend = runtime::cuda_plugin();
  const char* api = plan.advance() ? "advstep::advance_drafts" : "advstep::prepare_inputs";
  int32_t gpu = -1;
  for (const variants::Named& tensor : tensors) {
    if (!tensor.given() || tensor.view->data == nullptr) continue;
    if (Status s = backend.check_native_tensor(api, tensor.name.c_str(), describe(*tensor.view), gpu); !s.ok()) {
      throw Error(s);
    }
  }
  if (gpu < 0) gpu = 0;  // no element anywhere: nothing is read or written
  if (Status s = backend.run_prepare(plan, gpu, stream, wait); !s.ok()) throw Error(s);
}

}  // namespace advstep::native
