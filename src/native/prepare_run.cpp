// The prepare step's dispatch between the host loop and the CUDA kernels.
#include "native/prepare_run.hpp"

#include "advstep/advance_step.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::native {

void run_prepare_plan(const variants::PreparePlan& plan, bool on_device, Stream /*stream*/, bool /*wait*/) {
  if (on_device) {
    throw Error(Status{StatusCode::kInvalidArgument,
                       std::string(plan.advance() ? "advstep::advance_drafts" : "advstep::prepare_inputs") +
                           ": CUDA tensors: this build has no CUDA kernel of the prepare step (expected host "
                           "memory, got CUDA memory)"});
  }
  if (Status s = variants::run_prepare_cpu(plan); !s.ok()) throw Error(s);
}

}  // namespace advstep::native
