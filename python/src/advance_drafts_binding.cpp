// advstep._core.advance_drafts: maps each array onto advstep::TensorView (in the signature's order,
// each lease alive until the call returns), builds an AdvanceDraftsStep and calls the native
// advance_drafts with the GIL released. Options arrive as the library's enumerator values; the public
// function (advstep/_advance_drafts.py) turns their names into them and checks the Python scalars.
#include "advance_drafts_binding.hpp"

#include <cstdint>
#include <optional>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include "advstep/advance_step.hpp"
#include "advstep/prepare_step.hpp"
#include "step_arrays.hpp"
#include "tensor_from_array.hpp"

namespace nb = nanobind;

namespace advstep::python {
namespace {

void advance_drafts_arrays(nb::handle idx_mapping, nb::handle query_start_loc, nb::handle positions,
                           nb::handle input_ids, nb::handle slot_mapping, nb::list block_tables,
                           std::vector<int64_t> block_size, int64_t delta, nb::handle delta_per_row, nb::handle tokens,
                           nb::handle sampled_token_ids, nb::handle draft_tokens, nb::handle pos_in,
                           nb::handle seq_lens, nb::handle seq_base, nb::handle seq_sub, nb::handle token_seq_lens,
                           std::optional<int64_t> pos_cap, std::optional<int64_t> seq_cap, int32_t on_cap,
                           bool rewrite_query_start_loc, int64_t cp_size, int64_t cp_rank, int64_t cp_interleave,
                           int32_t bound, int32_t seq_lens_tail, uintptr_t stream, bool synchronous) {
  const ApiName api("advstep.advance_drafts");
  AdvanceDraftsStep step;
  StepArrays arrays("advstep::advance_drafts", 16 + block_tables.size());
  step.idx_mapping = arrays.required(idx_mapping, "idx_mapping", false);
  step.query_start_loc = arrays.required(query_start_loc, "query_start_loc", rewrite_query_start_loc);
  step.positions = arrays.required(positions, "positions", true);
  step.input_ids = arrays.required(input_ids, "input_ids", true);
  step.slot_mapping = arrays.required(slot_mapping, "slot_mapping", true);
  step.block_tables = arrays.block_tables(block_tables);
  step.block_size = std::move(block_size);
  step.delta = delta;
  step.delta_per_row = arrays.optional(delta_per_row, "delta", false, "[R]");
  step.tokens = arrays.optional(tokens, "tokens", false, "[R]");
  step.sampled_token_ids = arrays.optional(sampled_token_ids, "sampled_token_ids", false, "[R, K]");
  step.draft_tokens = arrays.optional(draft_tokens, "draft_tokens", false, "[Rmax, S]");
  step.pos_in = arrays.optional(pos_in, "pos_in", false, "[M]");
  step.seq_lens = arrays.optional(seq_lens, "seq_lens", true, "[Rs]");
  step.seq_base = arrays.optional(seq_base, "seq_base", false, "[R]");
  step.seq_sub = arrays.optional(seq_sub, "seq_sub", false, "[R]");
  step.token_seq_lens = arrays.optional(token_seq_lens, "token_seq_lens", true, "[M]");
  step.pos_cap = pos_cap;
  step.seq_cap = seq_cap;
  step.on_cap = static_cast<OnCap>(on_cap);
  step.rewrite_query_start_loc = rewrite_query_start_loc;
  step.cp_size = cp_size;
  step.cp_rank = cp_rank;
  step.cp_interleave = cp_interleave;
  step.bound = static_cast<BlockBound>(bound);
  step.seq_lens_tail = static_cast<SeqLensTail>(seq_lens_tail);
  void* const cuda_stream = reinterpret_cast<void*>(stream);
  run_without_gil([&] {
    if (synchronous) {
      advance_drafts(step, cuda_stream);
    } else {
      advance_drafts_async(step, cuda_stream);
    }
  });
}

}  // namespace

void register_advance_drafts(nb::module_& m) {
  m.def("advance_drafts", &advance_drafts_arrays, nb::kw_only(), nb::arg("idx_mapping").none(),
        nb::arg("query_start_loc").none(), nb::arg("positions").none(), nb::arg("input_ids").none(),
        nb::arg("slot_mapping").none(), nb::arg("block_tables"), nb::arg("block_size"), nb::arg("delta").noconvert(),
        nb::arg("delta_per_row").none(), nb::arg("tokens").none(), nb::arg("sampled_token_ids").none(),
        nb::arg("draft_tokens").none(), nb::arg("pos_in").none(), nb::arg("seq_lens").none(),
        nb::arg("seq_base").none(), nb::arg("seq_sub").none(), nb::arg("token_seq_lens").none(),
        nb::arg("pos_cap").none(), nb::arg("seq_cap").none(), nb::arg("on_cap").noconvert(),
        nb::arg("rewrite_query_start_loc"), nb::arg("cp_size").noconvert(), nb::arg("cp_rank").noconvert(),
        nb::arg("cp_interleave").noconvert(), nb::arg("bound").noconvert(), nb::arg("seq_lens_tail").noconvert(),
        nb::arg("stream").noconvert() = 0, nb::arg("synchronous") = true,
        "Runs advstep::advance_drafts on DLPack / buffer-protocol arrays: the low-level entry point behind\n"
        "advstep.advance_drafts (block_tables a list of G tables, block_size a list of G ints, delta an int\n"
        "with delta_per_row None or an [R] array, on_cap/bound/seq_lens_tail the library's enumerator values).");
}

}  // namespace advstep::python
