// advstep._core: the nanobind module under the Python package advstep.
//
// Each variant's function maps every argument onto advstep::TensorView, builds the variant's struct
// and calls the native advance_step with the GIL released. The public Python function (advstep/__init__.py) picks the
// CUDA stream and device; argument rules (devices and GPUs included) and their messages all come
// from the library.
#include <cstdint>
#include <span>
#include <string>

#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include "advance_drafts_binding.hpp"
#include "advstep/advance_step.hpp"
#include "post_update_binding.hpp"
#include "prepare_inputs_binding.hpp"
#include "step_arrays.hpp"
#include "tensor_from_array.hpp"

namespace nb = nanobind;

namespace advstep::python {
namespace {

constexpr const char* kDoc = R"doc(Runs advstep::advance_step on DLPack / buffer-protocol arrays, in place.

The low-level entry point behind advstep.advance_step: spec_token and accepted_num are None when not
given, and stream is the cudaStream_t (as an int) to run on for CUDA arrays, 0 for the default stream.
With synchronous=False, CUDA arrays are only enqueued (capturable in a CUDA graph) and a data fault
waits for check_cuda_faults(). semantics ("vllm" or "ascend"), ascend_cores (0: from the SoC name) and
block_bound ("table" or "row") choose the semantics (advstep::Options). Raises advstep.ArgumentError
(a ValueError) for bad arguments and advstep.DataFaultError (a RuntimeError) for values that cannot be
advanced; no array is modified when it raises.)doc";

/// The options as the library parses them; a bad name is refused with the library's rule.
Options parse_options(const std::string& semantics, int64_t ascend_cores, const std::string& block_bound) {
  Options options;
  options.ascend_cores = ascend_cores;
  if (!parse_semantics(semantics.c_str(), options.semantics)) {
    raise_status(161002, ("advstep::advance_step: semantics must name a semantics (expected 'vllm' or 'ascend', got '" +
                          semantics + "')")
                             .c_str());
  }
  if (!parse_block_bound(block_bound.c_str(), options.block_bound)) {
    raise_status(161002, ("advstep::advance_step: block_bound must name a bound (expected 'table' or 'row', got '" +
                          block_bound + "')")
                             .c_str());
  }
  return options;
}

/// Runs @p step with the GIL released; a library error becomes the package's exception.
void run_step(const Step& step, const Options& options, uintptr_t stream, bool synchronous) {
  void* const cuda_stream = reinterpret_cast<void*>(stream);
  run_without_gil([&] {
    if (synchronous) {
      advance_step(step, options, cuda_stream);
    } else {
      advance_step_async(step, options, cuda_stream);
    }
  });
}

/// The six arrays every variant's step starts with, imported in the order and with the
/// writability the contract gives them (the four outputs writable, the two inputs only read).
struct DecodeArrays {
  ImportedArray tokens, sampled, positions, lens, slots, tables;
};

DecodeArrays import_decode_arrays(nb::handle input_tokens, nb::handle sampled_token_ids, nb::handle input_positions,
                                  nb::handle seq_lens, nb::handle slot_mapping, nb::handle block_tables) {
  DecodeArrays arrays;
  arrays.tokens = import_array(input_tokens, "input_tokens", true);
  arrays.sampled = import_array(sampled_token_ids, "sampled_token_ids", false);
  arrays.positions = import_array(input_positions, "input_positions", true);
  arrays.lens = import_array(seq_lens, "seq_lens", true);
  arrays.slots = import_array(slot_mapping, "slot_mapping", true);
  arrays.tables = import_array(block_tables, "block_tables", false);
  return arrays;
}

void advance_step_arrays(nb::handle input_tokens, nb::handle sampled_token_ids, nb::handle input_positions,
                         nb::handle seq_lens, nb::handle slot_mapping, nb::handle block_tables, int64_t num_seqs,
                         int64_t num_queries, int64_t block_size, nb::handle spec_token, nb::handle accepted_num,
                         uintptr_t stream, bool synchronous, const std::string& semantics, int64_t ascend_cores,
                         const std::string& block_bound) {
  const Options options = parse_options(semantics, ascend_cores, block_bound);
  const DecodeArrays arrays =
      import_decode_arrays(input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping, block_tables);
  const bool speculative = !spec_token.is_none() || !accepted_num.is_none();
  // A missing optional is a default view, which the library reads as not given: it then reports
  // "give both or neither", naming the missing one as null.
  const ImportedArray spec = import_optional_array(spec_token, "spec_token", "[N, S]");
  const ImportedArray accepted = import_optional_array(accepted_num, "accepted_num", "[N]");
  if (!speculative) {
    run_step(DecodeStep{arrays.tokens.view, arrays.sampled.view, arrays.positions.view, arrays.lens.view,
                        arrays.slots.view, arrays.tables.view, num_seqs, num_queries, block_size},
             options, stream, synchronous);
    return;
  }
  run_step(SpeculativeStep{arrays.tokens.view, arrays.sampled.view, arrays.positions.view, arrays.lens.view,
                           arrays.slots.view, arrays.tables.view, num_seqs, num_queries, block_size, spec.view,
                           accepted.view},
           options, stream, synchronous);
}

void advance_step_flashinfer_arrays(int64_t num_seqs, int64_t num_queries, int64_t block_size, nb::handle input_tokens,
                                    nb::handle sampled_token_ids, nb::handle input_positions, nb::handle seq_lens,
                                    nb::handle slot_mapping, nb::handle block_tables, nb::handle paged_kv_indices,
                                    nb::handle paged_kv_indptr, nb::handle paged_kv_last_page_len,
                                    nb::handle block_table_bound, uintptr_t stream, bool synchronous) {
  // vLLM passes input_tokens itself as sampled_token_ids: its read-only import of a writable array is fine.
  const DecodeArrays arrays =
      import_decode_arrays(input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping, block_tables);
  const ImportedArray indices = import_array(paged_kv_indices, "paged_kv_indices", true);
  const ImportedArray indptr = import_array(paged_kv_indptr, "paged_kv_indptr", true);
  const ImportedArray last_page_len = import_array(paged_kv_last_page_len, "paged_kv_last_page_len", true);
  const ImportedArray bound = import_array(block_table_bound, "block_table_bound", true);
  run_step(FlashInferStep{num_seqs, num_queries, block_size, arrays.tokens.view, arrays.sampled.view,
                          arrays.positions.view, arrays.lens.view, arrays.slots.view, arrays.tables.view, indices.view,
                          indptr.view, last_page_len.view, bound.view},
           Options{}, stream, synchronous);
}

nb::tuple names_tuple(std::span<const char* const> names) {
  nb::list list;
  for (const char* name : names) list.append(nb::str(name));
  return nb::tuple(list);
}

void check_cuda_faults_of(int32_t device) {
  run_without_gil([&] { check_cuda_faults(device); });
}

bool device_available_by_name(const std::string& device) {
  if (device == "cpu") return advstep::device_available(Device::kCpu);
  if (device == "cuda") return advstep::device_available(Device::kCuda);
  throw nb::value_error(
      ("advstep.device_available: unknown device (expected 'cpu' or 'cuda', got '" + device + "')").c_str());
}

}  // namespace
}  // namespace advstep::python

NB_MODULE(_core, m) {
  using namespace advstep::python;
  m.doc() = "advstep's native extension; use the functions of the package advstep.";
  // .none(): None reaches import_array, which names the parameter in its TypeError.
  m.def("advance_step", &advance_step_arrays, nb::arg("input_tokens").none(), nb::arg("sampled_token_ids").none(),
        nb::arg("input_positions").none(), nb::arg("seq_lens").none(), nb::arg("slot_mapping").none(),
        nb::arg("block_tables").none(),
        // noconvert: a bool (an int subclass) is refused as a count, never taken as 0 or 1.
        nb::arg("num_seqs").noconvert(), nb::arg("num_queries").noconvert(), nb::arg("block_size").noconvert(),
        nb::kw_only(), nb::arg("spec_token").none() = nb::none(), nb::arg("accepted_num").none() = nb::none(),
        nb::arg("stream").noconvert() = 0, nb::arg("synchronous") = true, nb::arg("semantics") = "vllm",
        nb::arg("ascend_cores").noconvert() = 0, nb::arg("block_bound") = "table", kDoc);
  m.def("advance_step_flashinfer", &advance_step_flashinfer_arrays, nb::arg("num_seqs").noconvert(),
        nb::arg("num_queries").noconvert(), nb::arg("block_size").noconvert(), nb::arg("input_tokens").none(),
        nb::arg("sampled_token_ids").none(), nb::arg("input_positions").none(), nb::arg("seq_lens").none(),
        nb::arg("slot_mapping").none(), nb::arg("block_tables").none(), nb::arg("paged_kv_indices").none(),
        nb::arg("paged_kv_indptr").none(), nb::arg("paged_kv_last_page_len").none(),
        nb::arg("block_table_bound").none(), nb::kw_only(), nb::arg("stream").noconvert() = 0,
        nb::arg("synchronous") = true,
        "Runs advstep::advance_step on an advstep::FlashInferStep (vLLM's advance_step_flashinfer), in place:\n"
        "the low-level entry point behind advstep.advance_step_flashinfer (stream and synchronous as for\n"
        "advance_step).");
  register_prepare_inputs(m);
  register_post_update(m);
  register_advance_drafts(m);
  // The names the options take, from the library: the command's choices come from here.
  m.attr("SEMANTICS") = names_tuple(advstep::semantics_names());
  m.attr("BLOCK_BOUNDS") = names_tuple(advstep::block_bound_names());
  m.attr("MAX_ASCEND_CORES") = advstep::kMaxAscendCores;
  // What ascend_cores=None means off an NPU: the library's count for a host or GPU (no Ascend SoC name).
  m.attr("DEFAULT_ASCEND_CORES") = advstep::ascend_cores_for_soc("");
  m.def("check_cuda_faults", &check_cuda_faults_of, nb::arg("device").noconvert(),
        "Waits for CUDA device `device` and raises advstep.DataFaultError for the first data fault of calls\n"
        "made with synchronous=False there since the last check (later ones counted in the message).");
  m.def("device_available", &device_available_by_name, nb::arg("device"),
        "True when this build and machine can run advance_step on 'cpu' (always) or 'cuda' arrays.");
}
