// advstep._core.post_update: the prepare step's state update (advstep::post_update) on DLPack /
// buffer-protocol arrays. Every rule and message is the library's; only the arrays are imported here.
#include <cstdint>

#include <nanobind/nanobind.h>

#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"
#include "post_update_binding.hpp"
#include "step_arrays.hpp"
#include "tensor_from_array.hpp"

namespace nb = nanobind;

namespace advstep::python {
namespace {

void post_update_arrays(nb::handle idx_mapping, nb::handle num_computed_tokens, nb::handle last_sampled_tokens,
                        nb::handle sampled_tokens, nb::handle num_sampled, nb::handle num_rejected,
                        nb::handle query_start_loc, nb::handle total_len, nb::handle all_token_ids, uintptr_t stream,
                        bool synchronous) {
  const ApiName api("advstep.post_update");
  StepArrays arrays("advstep::post_update", 9);
  PostUpdateStep step;
  step.idx_mapping = arrays.required(idx_mapping, "idx_mapping", false);
  step.num_computed_tokens = arrays.required(num_computed_tokens, "num_computed_tokens", true);
  step.last_sampled_tokens = arrays.required(last_sampled_tokens, "last_sampled_tokens", true);
  step.sampled_tokens = arrays.required(sampled_tokens, "sampled_tokens", false);
  step.num_sampled = arrays.required(num_sampled, "num_sampled", false);
  step.num_rejected = arrays.required(num_rejected, "num_rejected", false);
  step.query_start_loc = arrays.optional(query_start_loc, "query_start_loc", false, "[R + 1]");
  step.total_len = arrays.optional(total_len, "total_len", true, "[Rmax]");
  step.all_token_ids = arrays.optional(all_token_ids, "all_token_ids", true, "[Rmax, Wt]");
  void* const cuda_stream = reinterpret_cast<void*>(stream);
  run_without_gil([&] {
    if (synchronous) {
      post_update(step, cuda_stream);
    } else {
      post_update_async(step, cuda_stream);
    }
  });
}

}  // namespace

void register_post_update(nb::module_& m) {
  m.def("post_update", &post_update_arrays, nb::kw_only(), nb::arg("idx_mapping").none(),
        nb::arg("num_computed_tokens").none(), nb::arg("last_sampled_tokens").none(), nb::arg("sampled_tokens").none(),
        nb::arg("num_sampled").none(), nb::arg("num_rejected").none(), nb::arg("query_start_loc").none() = nb::none(),
        nb::arg("total_len").none() = nb::none(), nb::arg("all_token_ids").none() = nb::none(),
        nb::arg("stream").noconvert() = 0, nb::arg("synchronous") = true,
        "Runs advstep::post_update on DLPack / buffer-protocol arrays, in place: the low-level entry point\n"
        "behind advstep.post_update (optional arrays None when not given; stream the cudaStream_t as an int,\n"
        "0 for the default stream; synchronous=False only enqueues on CUDA arrays, and a data fault then\n"
        "waits for check_cuda_faults()).");
}

}  // namespace advstep::python
