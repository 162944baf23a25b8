// advstep._core.post_update: the prepare step's state update (advstep::post_update) on DLPack /
// buffer-protocol arrays. Every rule and message is the library's; only the arrays are imported here.
#include <cstdint>
#include <string>
#include <vector>

#include <nanobind/nanobind.h>

#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"
#include "post_update_binding.hpp"
#include "tensor_from_array.hpp"

namespace nb = nanobind;

namespace advstep::python {
namespace {

void post_update_arrays(nb::handle idx_mapping, nb::handle num_computed_tokens, nb::handle last_sampled_tokens,
                        nb::handle sampled_tokens, nb::handle num_sampled, nb::handle num_rejected,
                        nb::handle query_start_loc, nb::handle total_len, nb::handle all_token_ids, uintptr_t stream,
                        bool synchronous) {
  const ApiName api("advstep.post_update");
  // Imported in the signature's order; each lease lives until the call returns.
  std::vector<ImportedArray> leases;
  leases.reserve(9);
  const auto required = [&](nb::handle array, const char* name, bool written) -> TensorView {
    leases.push_back(import_required_array(array, name, written));
    return leases.back().view;
  };
  // An optional one: None is not given. A written one is imported writable, and a 0-d array (which
  // the library would read as not given) is refused, naming the shape it must have.
  const auto optional = [&](nb::handle array, const char* name, bool written, const char* shape) -> TensorView {
    if (array.is_none()) return TensorView{};
    if (!written) {
      leases.push_back(import_optional_array(array, name, shape));
      return leases.back().view;
    }
    leases.push_back(import_array(array, name, true));
    if (leases.back().view.rank == 0) {
      raise_status(561002, (std::string("advstep::post_update: ") + name + " must not be 0-d (expected " + shape +
                            ", got [])")
                               .c_str());
    }
    return leases.back().view;
  };
  PostUpdateStep step;
  step.idx_mapping = required(idx_mapping, "idx_mapping", false);
  step.num_computed_tokens = required(num_computed_tokens, "num_computed_tokens", true);
  step.last_sampled_tokens = required(last_sampled_tokens, "last_sampled_tokens", true);
  step.sampled_tokens = required(sampled_tokens, "sampled_tokens", false);
  step.num_sampled = required(num_sampled, "num_sampled", false);
  step.num_rejected = required(num_rejected, "num_rejected", false);
  step.query_start_loc = optional(query_start_loc, "query_start_loc", false, "[R + 1]");
  step.total_len = optional(total_len, "total_len", true, "[Rmax]");
  step.all_token_ids = optional(all_token_ids, "all_token_ids", true, "[Rmax, Wt]");
  void* const cuda_stream = reinterpret_cast<void*>(stream);
  try {
    nb::gil_scoped_release release;
    if (synchronous) {
      post_update(step, cuda_stream);
    } else {
      post_update_async(step, cuda_stream);
    }
  } catch (const Error& error) {  // the GIL is held again here
    raise_status(static_cast<int32_t>(error.code()), error.what());
  }
}

}  // namespace

void register_post_update(nb::module_& m) {
  m.def("post_update", &post_update_arrays, nb::kw_only(), nb::arg("idx_mapping").none(),
        nb::arg("num_computed_tokens").none(), nb::arg("last_sampled_tokens").none(),
        nb::arg("sampled_tokens").none(), nb::arg("num_sampled").none(), nb::arg("num_rejected").none(),
        nb::arg("query_start_loc").none() = nb::none(), nb::arg("total_len").none() = nb::none(),
        nb::arg("all_token_ids").none() = nb::none(), nb::arg("stream").noconvert() = 0,
        nb::arg("synchronous") = true,
        "Runs advstep::post_update on DLPack / buffer-protocol arrays, in place: the low-level entry point\n"
        "behind advstep.post_update (optional arrays None when not given; stream the cudaStream_t as an int,\n"
        "0 for the default stream; synchronous=False only enqueues on CUDA arrays, and a data fault then\n"
        "waits for check_cuda_faults()).");
}

}  // namespace advstep::python
