// The native C++ entries of the prepare step's advance_drafts (variants/prepare/): checks, then the
// kernel where the tensors are. On the host the asynchronous form is the synchronous one.
#include "advstep/advance_step.hpp"
#include "advstep/prepare_step.hpp"
#include "native/prepare_run.hpp"
#include "variants/prepare/prepare_plan.hpp"

#include <vector>

namespace advstep {

void advance_drafts(const AdvanceDraftsStep& step, Stream stream) {
  variants::PreparePlan plan;
  bool on_device = false;
  std::vector<variants::Named> tensors;
  if (Status s = variants::make_advance_plan(step, plan, on_device, &tensors); !s.ok()) throw Error(s);
  native::run_prepare_plan(plan, tensors, on_device, stream, /*wait=*/true);
}

void advance_drafts_async(const AdvanceDraftsStep& step, Stream stream) {
  variants::PreparePlan plan;
  bool on_device = false;
  std::vector<variants::Named> tensors;
  if (Status s = variants::make_advance_plan(step, plan, on_device, &tensors); !s.ok()) throw Error(s);
  native::run_prepare_plan(plan, tensors, on_device, stream, /*wait=*/false);
}

}  // namespace advstep
