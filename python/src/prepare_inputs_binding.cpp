// advstep._core.prepare_inputs: maps each array onto advstep::TensorView (in the signature's order,
// each lease alive until the call returns), builds a PrepareInputsStep and calls the native
// prepare_inputs with the GIL released. Every rule and message on the arrays is the library's.
#include "prepare_inputs_binding.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "advstep/prepare_step.hpp"
#include "step_arrays.hpp"
#include "tensor_from_array.hpp"

namespace nb = nanobind;

namespace advstep::python {
namespace {

/// "zero"/"keep" and "row"/"table" as the library's enumerators; a bad name is an argument error.
template <typename Enum>
Enum parse_choice(const char* parameter, const std::string& value, const char* first, Enum first_value,
                  const char* second, Enum second_value) {
  if (value == first) return first_value;
  if (value == second) return second_value;
  raise_status(561002, ("advstep::prepare_inputs: " + std::string(parameter) + " must be '" + first + "' or '" +
                        second + "' (expected '" + first + "' or '" + second + "', got '" + value + "')")
                           .c_str());
}

void prepare_inputs_arrays(nb::handle idx_mapping, nb::handle query_start_loc, nb::handle num_computed_tokens,
                           nb::list block_tables, std::vector<int64_t> block_size, nb::handle positions,
                           nb::handle seq_lens, nb::handle slot_mapping, nb::handle input_ids,
                           nb::handle last_sampled_tokens, nb::handle draft_tokens, nb::handle prefill_len,
                           nb::handle cu_num_logits, nb::handle logits_indices, int64_t num_bonus,
                           nb::handle token_seq_lens, nb::handle dcp_local_seq_lens, int64_t cp_size, int64_t cp_rank,
                           int64_t cp_interleave, const std::string& bound, const std::string& seq_lens_tail,
                           const std::string& token_tail) {
  const ApiName api("advstep.prepare_inputs");
  PrepareInputsStep step;
  step.bound = parse_choice("bound", bound, "row", BlockBound::kRow, "table", BlockBound::kTable);
  step.seq_lens_tail =
      parse_choice("seq_lens_tail", seq_lens_tail, "zero", SeqLensTail::kZero, "keep", SeqLensTail::kKeep);
  step.token_tail = parse_choice("token_tail", token_tail, "keep", TokenTail::kKeep, "zero", TokenTail::kZero);
  StepArrays arrays("advstep::prepare_inputs", 16 + block_tables.size());
  step.idx_mapping = arrays.required(idx_mapping, "idx_mapping", false);
  step.query_start_loc = arrays.required(query_start_loc, "query_start_loc", false);
  step.num_computed_tokens = arrays.required(num_computed_tokens, "num_computed_tokens", false);
  step.block_tables = arrays.block_tables(block_tables);
  step.block_size = std::move(block_size);
  step.positions = arrays.required(positions, "positions", true);
  step.seq_lens = arrays.required(seq_lens, "seq_lens", true);
  step.slot_mapping = arrays.required(slot_mapping, "slot_mapping", true);
  step.input_ids = arrays.optional(input_ids, "input_ids", true, "[M]");
  step.last_sampled_tokens = arrays.optional(last_sampled_tokens, "last_sampled_tokens", false, "[Rmax]");
  step.draft_tokens = arrays.optional(draft_tokens, "draft_tokens", false, "[Rmax, S]");
  step.prefill_len = arrays.optional(prefill_len, "prefill_len", false, "[Rmax]");
  step.cu_num_logits = arrays.optional(cu_num_logits, "cu_num_logits", false, "[R + 1]");
  step.logits_indices = arrays.optional(logits_indices, "logits_indices", true, "[L]");
  step.token_seq_lens = arrays.optional(token_seq_lens, "token_seq_lens", true, "[M]");
  step.dcp_local_seq_lens = arrays.optional(dcp_local_seq_lens, "dcp_local_seq_lens", true, "[Rs]");
  step.num_bonus = num_bonus;
  step.cp_size = cp_size;
  step.cp_rank = cp_rank;
  step.cp_interleave = cp_interleave;
  run_without_gil([&] { prepare_inputs(step); });
}

}  // namespace

void register_prepare_inputs(nb::module_& m) {
  m.def("prepare_inputs", &prepare_inputs_arrays, nb::kw_only(), nb::arg("idx_mapping").none(),
        nb::arg("query_start_loc").none(), nb::arg("num_computed_tokens").none(), nb::arg("block_tables"),
        nb::arg("block_size"), nb::arg("positions").none(), nb::arg("seq_lens").none(), nb::arg("slot_mapping").none(),
        nb::arg("input_ids").none(), nb::arg("last_sampled_tokens").none(), nb::arg("draft_tokens").none(),
        nb::arg("prefill_len").none(), nb::arg("cu_num_logits").none(), nb::arg("logits_indices").none(),
        nb::arg("num_bonus").noconvert(), nb::arg("token_seq_lens").none(), nb::arg("dcp_local_seq_lens").none(),
        nb::arg("cp_size").noconvert(), nb::arg("cp_rank").noconvert(), nb::arg("cp_interleave").noconvert(),
        nb::arg("bound"), nb::arg("seq_lens_tail"), nb::arg("token_tail"),
        "Runs advstep::prepare_inputs on DLPack / buffer-protocol host arrays: the low-level entry point behind\n"
        "advstep.prepare_inputs (block_tables a list of G tables, block_size a list of G ints).");
}

}  // namespace advstep::python
