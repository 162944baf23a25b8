// The native C++ entries of the prepare step's post_update (variants/prepare/post_update_*): the
// argument checks, then the host kernel on CPU tensors.
#include "advstep/prepare_step.hpp"
#include "core/message.hpp"
#include "variants/prepare/post_update_plan.hpp"

namespace advstep {
namespace {

void run_post_update(const PostUpdateStep& step) {
  variants::PostUpdatePlan plan;
  if (Status s = variants::make_post_update_plan(step, plan); !s.ok()) throw Error(s);
  if (plan.device != Device::kCpu) {
    throw Error(Status(StatusCode::kInvalidArgument,
                       core::concat("advstep::post_update: idx_mapping is a CUDA tensor, and this build runs "
                                    "post_update on the host only (expected host memory, got CUDA memory)")));
  }
  if (Status s = variants::run_post_update_cpu(plan); !s.ok()) throw Error(s);
}

}  // namespace

void post_update(const PostUpdateStep& step, Stream /*stream*/) { run_post_update(step); }

void post_update_async(const PostUpdateStep& step, Stream /*stream*/) { run_post_update(step); }

}  // namespace advstep
