// The native C++ entries of the prepare step's post_update (variants/prepare/post_update_*): the
// argument checks, then the host kernel on CPU tensors, or the CUDA backend's kernels on the
// caller's stream for CUDA tensors (synchronised by post_update, only enqueued by the async form).
#include "advstep/prepare_step.hpp"
#include "core/tensor_desc.hpp"
#include "native/describe_view.hpp"
#include "native/device_memory.hpp"
#include "runtime/cuda_plugin.hpp"
#include "variants/prepare/post_update_plan.hpp"

namespace advstep {
namespace {

constexpr const char* kApi = "advstep::post_update";

using native::describe;

void run_post_update(const PostUpdateStep& step, Stream stream, bool synchronous) {
  variants::PostUpdatePlan plan;
  if (Status s = variants::make_post_update_plan(step, plan); !s.ok()) throw Error(s);
  if (plan.device == Device::kCpu) {
    if (Status s = variants::run_post_update_cpu(plan); !s.ok()) throw Error(s);
    return;
  }
  // CUDA tensors: a build and machine that can run them, GPU memory, all on one GPU.
  const native::NativeMemory memory(Device::kCuda);
  for (const variants::Named& tensor : variants::post_update_tensors(step)) {
    if (!tensor.given()) continue;
    const core::TensorDesc desc = describe(*tensor.view);
    if (Status s = memory.check(kApi, tensor.name.c_str(), desc, 0); !s.ok()) throw Error(s);
  }
  if (memory.gpu() < 0) return;  // every tensor empty: nothing to read or write
  if (Status s = runtime::cuda_plugin().run_post_update(plan, memory.gpu(), stream, synchronous); !s.ok()) {
    throw Error(s);
  }
}

}  // namespace

void post_update(const PostUpdateStep& step, Stream stream) { run_post_update(step, stream, true); }

void post_update_async(const PostUpdateStep& step, Stream stream) { run_post_update(step, stream, false); }

}  // namespace advstep
