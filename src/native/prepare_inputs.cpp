// The native C++ entries of the prepare step's prepare_inputs (variants/prepare/): checks, then the
// host kernel. On the host the asynchronous form is the synchronous one.
#include "advstep/advance_step.hpp"
#include "advstep/prepare_step.hpp"
#include "native/prepare_run.hpp"
#include "variants/prepare/prepare_plan.hpp"

#include <vector>

namespace advstep {

void prepare_inputs(const PrepareInputsStep& step, Stream stream) {
  variants::PreparePlan plan;
  bool on_device = false;
  std::vector<variants::Named> tensors;
  if (Status s = variants::make_prepare_plan(step, plan, on_device, &tensors); !s.ok()) throw Error(s);
  native::run_prepare_plan(plan, tensors, on_device, stream, /*wait=*/true);
}

void prepare_inputs_async(const PrepareInputsStep& step, Stream stream) {
  variants::PreparePlan plan;
  bool on_device = false;
  std::vector<variants::Named> tensors;
  if (Status s = variants::make_prepare_plan(step, plan, on_device, &tensors); !s.ok()) throw Error(s);
  native::run_prepare_plan(plan, tensors, on_device, stream, /*wait=*/false);
}

}  // namespace advstep
