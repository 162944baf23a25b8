// The native C++ entry of the prepare step's prepare_inputs (variants/prepare/): checks, then the host
// kernel. The operation has no GPU kernel: CUDA tensors are refused by the checks, by name.
#include "advstep/advance_step.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep {

void prepare_inputs(const PrepareInputsStep& step, Stream /*stream*/) {
  variants::PreparePlan plan;
  if (Status s = variants::make_prepare_plan(step, plan); !s.ok()) throw Error(s);
  if (Status s = variants::run_prepare_cpu(plan); !s.ok()) throw Error(s);
}

}  // namespace advstep
