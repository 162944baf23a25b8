// prepare_inputs' argument checks (prepare_step.md sections 4 and 10), class by class, each rule
// once: 1 a required tensor missing, or one an option needs; 2 a dtype other than int32/int64; 3 a
// shape; 4 a scalar or option; 5 memory (outputs contiguous and overlapping nothing). Nothing here
// reads a value of a tensor.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/message.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::variants {
namespace {

using core::concat;

constexpr const char* kApi = "advstep::prepare_inputs";

Status fail(StatusCode code, const std::string& what, const std::string& expected, const std::string& got) {
  return core::fail(code, kApi, what, expected, got);
}

/// A tensor with its parameter name; rank 0 (a default TensorView) is "not given".
struct Named {
  std::string name;
  const TensorView* view;
  bool output;
  [[nodiscard]] bool given() const { return view->rank != 0; }
  [[nodiscard]] int64_t dim(int32_t d) const { return view->shape[static_cast<size_t>(d)]; }
};

std::string shape_text(const TensorView& view) {
  std::string text = "[";
  for (int32_t d = 0; d < view.rank; ++d) text += concat(d == 0 ? "" : ", ", view.shape[static_cast<size_t>(d)]);
  return text + "]";
}

Status check_present(const std::vector<Named>& required) {
  for (const Named& tensor : required) {
    if (!tensor.given()) {
      return fail(StatusCode::kNullPointer, concat(tensor.name, " is required"), "a tensor", "none");
    }
  }
  return {};
}

Status needed(bool when, const Named& tensor, const char* because) {
  if (!when || tensor.given()) return {};
  return fail(StatusCode::kNullPointer, concat(tensor.name, " is required when ", because), "a tensor", "none");
}

Status check_dtype(const Named& tensor) {
  if (!tensor.given() || tensor.view->dtype == DType::kInt32 || tensor.view->dtype == DType::kInt64) return {};
  return fail(StatusCode::kInvalidArgument, concat(tensor.name, " has an unsupported dtype"), "int32 or int64",
              dtype_name(tensor.view->dtype));
}

Status shape_rule(bool ok, const Named& tensor, const std::string& rule) {
  if (ok || !tensor.given()) return {};
  return fail(StatusCode::kOutOfRange, concat(tensor.name, " must be ", rule), rule, shape_text(*tensor.view));
}

/// 1-D with exactly @p exactly elements (when >= 0), else with at least @p at_least.
Status vector_rule(const Named& tensor, const std::string& rule, int64_t at_least, int64_t exactly = -1) {
  const bool ok = tensor.view->rank == 1 && tensor.dim(0) >= 0 &&
                  (exactly >= 0 ? tensor.dim(0) == exactly : tensor.dim(0) >= at_least);
  return shape_rule(ok, tensor, rule);
}

Status state_vector_rule(const Named& tensor, bool allow_column) {
  const bool ok = (tensor.view->rank == 1 && tensor.dim(0) >= 0) ||
                  (allow_column && tensor.view->rank == 2 && tensor.dim(0) >= 0 && tensor.dim(1) == 1);
  return shape_rule(ok, tensor, allow_column ? "[Rmax] or [Rmax, 1]" : "[Rmax]");
}

Status matrix_rule(const Named& tensor, const char* rule) {
  return shape_rule(tensor.view->rank == 2 && tensor.dim(0) >= 0 && tensor.dim(1) >= 0, tensor, rule);
}

Status scalar_rule(bool ok, const std::string& name, const std::string& rule, int64_t value) {
  if (ok) return {};
  return fail(StatusCode::kOutOfRange, concat(name, " must be ", rule), rule, std::to_string(value));
}

/// The bytes a view can touch, [begin, end): strides may be any sign (inputs may be views).
struct Extent {
  uintptr_t begin = 0;
  uintptr_t end = 0;
  bool ok = true;
};

Extent extent_of(const TensorView& view) {
  const int64_t element = view.dtype == DType::kInt32 ? 4 : 8;
  __extension__ using Wide = __int128;
  Wide low = 0;
  Wide high = 0;
  for (int32_t d = 0; d < view.rank; ++d) {
    const int64_t n = view.shape[static_cast<size_t>(d)];
    if (n == 0) return {};  // no element: nothing is touched
    const Wide reach = static_cast<Wide>(n - 1) * view.strides[static_cast<size_t>(d)];
    (reach < 0 ? low : high) += reach;
  }
  const auto base = static_cast<Wide>(reinterpret_cast<uintptr_t>(view.data));
  const Wide begin = base + low * element;
  const Wide end = base + (high + 1) * element;
  if (begin < 0 || end > static_cast<Wide>(UINTPTR_MAX)) return {0, 0, false};
  return {static_cast<uintptr_t>(begin), static_cast<uintptr_t>(end), true};
}

bool contiguous(const TensorView& view) {
  int64_t expected = 1;
  for (int32_t d = view.rank - 1; d >= 0; --d) {
    const int64_t n = view.shape[static_cast<size_t>(d)];
    if (n == 0) return true;
    if (n != 1 && view.strides[static_cast<size_t>(d)] != expected) return false;
    expected *= n;
  }
  return true;
}

Status check_memory(const std::vector<Named>& tensors) {
  std::vector<Extent> extents;
  for (const Named& tensor : tensors) {
    if (tensor.given() && tensor.output && !contiguous(*tensor.view)) {
      return fail(StatusCode::kInvalidArgument, concat(tensor.name, " must be contiguous (an output)"),
                  "row-major strides", "other strides");
    }
    const Extent extent = tensor.given() ? extent_of(*tensor.view) : Extent{};
    if (!extent.ok) {
      return fail(StatusCode::kInvalidArgument, concat(tensor.name, " spans more bytes than an address can reach"),
                  "a view within the address space", shape_text(*tensor.view));
    }
    const size_t element = tensor.view->dtype == DType::kInt32 ? 4 : 8;
    if (tensor.given() && reinterpret_cast<uintptr_t>(tensor.view->data) % element != 0) {
      return fail(StatusCode::kInvalidArgument, concat(tensor.name, " must be aligned to its elements"),
                  concat("an address that is 0 mod ", element), "a misaligned address");
    }
    extents.push_back(extent);
  }
  for (size_t a = 0; a < tensors.size(); ++a) {
    for (size_t b = a + 1; b < tensors.size(); ++b) {
      if (!tensors[a].output && !tensors[b].output) continue;  // inputs may share memory
      const Extent x = extents[a];
      const Extent y = extents[b];
      if (x.begin < y.end && y.begin < x.end) {
        return fail(StatusCode::kInvalidArgument, concat(tensors[a].name, " overlaps ", tensors[b].name),
                    "disjoint memory", "overlapping bytes");
      }
    }
  }
  for (const Named& tensor : tensors) {
    if (tensor.given() && tensor.view->device != Device::kCpu) {
      return fail(StatusCode::kInvalidArgument,
                  concat(tensor.name, " is a CUDA tensor: the prepare_inputs variant has no CUDA kernel"),
                  "host memory", "CUDA memory");
    }
  }
  return {};
}

IndexInput input_of(const TensorView& view) {
  IndexInput input;
  if (view.rank == 0) return input;
  input.data = view.data;
  input.given = true;
  input.narrow = view.dtype == DType::kInt32;
  input.rows = view.shape[0];
  input.row_stride = view.strides[0];
  if (view.rank == 2) {
    input.columns = view.shape[1];
    input.column_stride = view.strides[1];
  }
  return input;
}

IndexOutput output_of(const TensorView& view) {
  IndexOutput output;
  if (view.rank == 0) return output;
  output.data = view.data;
  output.given = true;
  output.narrow = view.dtype == DType::kInt32;
  output.numel = view.shape[0] * (view.rank == 2 ? view.shape[1] : 1);
  return output;
}

}  // namespace

Status make_prepare_plan(const PrepareInputsStep& s, PreparePlan& plan) {
  const Named idx{"idx_mapping", &s.idx_mapping, false};
  const Named qsl{"query_start_loc", &s.query_start_loc, false};
  const Named nc{"num_computed_tokens", &s.num_computed_tokens, false};
  const Named positions{"positions", &s.positions, true};
  const Named seq_lens{"seq_lens", &s.seq_lens, true};
  const Named slots{"slot_mapping", &s.slot_mapping, true};
  const Named input_ids{"input_ids", &s.input_ids, true};
  const Named last{"last_sampled_tokens", &s.last_sampled_tokens, false};
  const Named drafts{"draft_tokens", &s.draft_tokens, false};
  const Named prefill{"prefill_len", &s.prefill_len, false};
  const Named cu{"cu_num_logits", &s.cu_num_logits, false};
  const Named logits{"logits_indices", &s.logits_indices, true};
  const Named token_seq_lens{"token_seq_lens", &s.token_seq_lens, true};
  const Named dcp{"dcp_local_seq_lens", &s.dcp_local_seq_lens, true};
  std::vector<Named> tables;  // filled below, then only read
  for (size_t g = 0; g < s.block_tables.size(); ++g) {
    tables.push_back({concat("block_tables[", g, "]"), &s.block_tables[g], false});
  }
  const std::vector<Named> all = {idx,   qsl,    nc,     positions, seq_lens,       slots, input_ids,
                                  last,  drafts, prefill, cu,       logits,         token_seq_lens, dcp};

  // 1: missing.
  if (Status st = check_present({idx, qsl, nc}); !st.ok()) return st;
  if (s.block_tables.empty()) {
    return fail(StatusCode::kNullPointer, "block_tables must hold at least one table", "G >= 1 tables", "none");
  }
  if (Status st = check_present({positions, seq_lens, slots}); !st.ok()) return st;
  if (Status st = check_present(tables); !st.ok()) return st;
  if (Status st = needed(logits.given(), cu, "logits_indices is given"); !st.ok()) return st;
  if (Status st = needed(input_ids.given() && s.num_bonus == 1, last, "input_ids is given with num_bonus = 1");
      !st.ok()) {
    return st;
  }
  // 2: dtypes.
  for (const std::vector<Named>* list : {&all, static_cast<const std::vector<Named>*>(&tables)}) {
    for (const Named& tensor : *list) {
      if (Status st = check_dtype(tensor); !st.ok()) return st;
    }
  }
  // 3: shapes.
  const int64_t rows = s.idx_mapping.rank == 1 ? s.idx_mapping.shape[0] : 0;
  if (Status st = vector_rule(idx, "1-D [R]", 0); !st.ok()) return st;
  if (Status st = vector_rule(qsl, concat("1-D with at least R + 1 = ", rows + 1, " elements"), rows + 1); !st.ok()) {
    return st;
  }
  if (Status st = state_vector_rule(nc, false); !st.ok()) return st;
  if (Status st = vector_rule(positions, "1-D [M]", 0); !st.ok()) return st;
  const int64_t tokens = positions.dim(0);
  if (Status st = vector_rule(seq_lens, concat("1-D with at least R = ", rows, " elements"), rows); !st.ok()) return st;
  const auto groups = static_cast<int64_t>(s.block_tables.size());
  const bool slots_ok = (slots.view->rank == 2 && slots.dim(0) == groups && slots.dim(1) == tokens) ||
                        (slots.view->rank == 1 && groups == 1 && slots.dim(0) == tokens);
  if (Status st = shape_rule(slots_ok, slots,
                             concat("[", groups, ", ", tokens, "]", groups == 1 ? concat(" or [", tokens, "]") : "",
                                    " (G = ", groups, " tables, M = ", tokens, ")"));
      !st.ok()) {
    return st;
  }
  if (Status st = vector_rule(input_ids, concat("[M] = [", tokens, "]"), 0, tokens); !st.ok()) return st;
  if (Status st = state_vector_rule(last, true); !st.ok()) return st;
  if (Status st = matrix_rule(drafts, "2-D [Rmax, S]"); !st.ok()) return st;
  if (Status st = state_vector_rule(prefill, false); !st.ok()) return st;
  if (Status st = vector_rule(cu, concat("1-D with at least R + 1 = ", rows + 1, " elements"), rows + 1); !st.ok()) {
    return st;
  }
  if (Status st = vector_rule(logits, "1-D", 0); !st.ok()) return st;
  if (Status st = vector_rule(token_seq_lens, concat("[M] = [", tokens, "]"), 0, tokens); !st.ok()) return st;
  const int64_t seq_rows = seq_lens.dim(0);
  if (Status st = vector_rule(dcp, concat("[Rs] = [", seq_rows, "] as seq_lens"), 0, seq_rows); !st.ok()) return st;
  for (const Named& table : tables) {
    if (Status st = matrix_rule(table, "2-D [Rb, W]"); !st.ok()) return st;
  }
  // 4: scalars and options.
  if (Status st = scalar_rule(s.num_bonus == 0 || s.num_bonus == 1, "num_bonus", "0 or 1", s.num_bonus); !st.ok()) {
    return st;
  }
  if (s.block_size.size() != s.block_tables.size()) {
    return fail(StatusCode::kOutOfRange, "block_size must hold one size per table", concat(groups, " sizes"),
                concat(s.block_size.size(), " sizes"));
  }
  for (size_t g = 0; g < s.block_size.size(); ++g) {
    if (Status st = scalar_rule(s.block_size[g] >= 1, concat("block_size[", g, "]"), ">= 1", s.block_size[g]);
        !st.ok()) {
      return st;
    }
  }
  if (Status st = scalar_rule(s.cp_size >= 1, "cp_size", ">= 1", s.cp_size); !st.ok()) return st;
  if (Status st = scalar_rule(s.cp_rank >= 0 && s.cp_rank < s.cp_size, "cp_rank", concat("in [0, ", s.cp_size - 1, "]"),
                              s.cp_rank);
      !st.ok()) {
    return st;
  }
  if (Status st = scalar_rule(s.cp_interleave >= 1, "cp_interleave", ">= 1", s.cp_interleave); !st.ok()) return st;
  if (s.cp_size > 1) {
    for (size_t g = 0; g < s.block_size.size(); ++g) {
      const int64_t size = s.block_size[g];
      if (Status st = scalar_rule(s.cp_interleave <= size && size % s.cp_interleave == 0, "cp_interleave",
                                  concat("a divisor of block_size ", size, " (group ", g, ") when cp_size > 1"),
                                  s.cp_interleave);
          !st.ok()) {
        return st;
      }
    }
  }
  const auto option = [](int32_t value, const char* name) {
    return scalar_rule(value == 0 || value == 1, name, "one of its enumerators", value);
  };
  if (Status st = option(static_cast<int32_t>(s.bound), "bound"); !st.ok()) return st;
  if (Status st = option(static_cast<int32_t>(s.seq_lens_tail), "seq_lens_tail"); !st.ok()) return st;
  if (Status st = option(static_cast<int32_t>(s.token_tail), "token_tail"); !st.ok()) return st;
  // 5: memory, then the device (no CUDA kernel: the variant runs on the host only).
  std::vector<Named> memory = all;
  memory.insert(memory.end(), tables.begin(), tables.end());
  if (Status st = check_memory(memory); !st.ok()) return st;

  plan = PreparePlan{};
  plan.rows = rows;
  plan.tokens = tokens;
  plan.seq_rows = seq_rows;
  plan.idx_mapping = input_of(s.idx_mapping);
  plan.query_start_loc = input_of(s.query_start_loc);
  plan.num_computed_tokens = input_of(s.num_computed_tokens);
  plan.last_sampled_tokens = input_of(s.last_sampled_tokens);
  plan.draft_tokens = input_of(s.draft_tokens);
  plan.prefill_len = input_of(s.prefill_len);
  plan.cu_num_logits = input_of(s.cu_num_logits);
  plan.drafts = plan.draft_tokens.given ? plan.draft_tokens.columns : 0;
  plan.state_rows = plan.num_computed_tokens.rows;
  for (const IndexInput* state : {&plan.last_sampled_tokens, &plan.draft_tokens, &plan.prefill_len}) {
    if (state->given) plan.state_rows = std::min(plan.state_rows, state->rows);
  }
  for (size_t g = 0; g < s.block_tables.size(); ++g) {
    plan.groups.push_back({input_of(s.block_tables[g]), s.block_size[g]});
    plan.state_rows = std::min(plan.state_rows, plan.groups.back().table.rows);
  }
  plan.positions = output_of(s.positions);
  plan.seq_lens = output_of(s.seq_lens);
  plan.slot_mapping = output_of(s.slot_mapping);
  plan.input_ids = output_of(s.input_ids);
  plan.logits_indices = output_of(s.logits_indices);
  plan.token_seq_lens = output_of(s.token_seq_lens);
  plan.dcp_local_seq_lens = output_of(s.dcp_local_seq_lens);
  plan.num_bonus = s.num_bonus;
  plan.cp_size = s.cp_size;
  plan.cp_rank = s.cp_rank;
  plan.cp_interleave = s.cp_interleave;
  plan.bound = s.bound;
  plan.seq_lens_tail = s.seq_lens_tail;
  plan.token_tail = s.token_tail;
  return {};
}

}  // namespace advstep::variants
