#include "oracle/flashinfer_reference.hpp"

#include <cstdint>
#include <limits>
#include <string>

namespace advstep::oracle {
namespace {

__extension__ using Wide = __int128;

Wide most(bool narrow) {
  return narrow ? Wide{std::numeric_limits<int32_t>::max()} : Wide{std::numeric_limits<int64_t>::max()};
}

}  // namespace

FlashInferOutputs outputs_of(const FlashInferInputs& in) {
  return {in.input_tokens,    in.input_positions,        in.seq_lens,         in.slot_mapping, in.paged_kv_indices,
          in.paged_kv_indptr, in.paged_kv_last_page_len, in.block_table_bound};
}

FlashInferExpected reference_flashinfer(const FlashInferInputs& in) {
  FlashInferExpected expected;
  expected.outputs = outputs_of(in);
  const int64_t n = in.num_seqs;
  const int64_t q_count = in.num_queries;
  const Wide b = in.block_size;
  const int64_t w = in.table_width;
  const auto fault = [&](int64_t row, std::string cause) {
    expected.fault_row = row;
    expected.cause = std::move(cause);
    expected.outputs = outputs_of(in);
    return expected;
  };
  // Everything read first: sampled_token_ids may be input_tokens itself.
  std::vector<Wide> pages(static_cast<size_t>(q_count));
  for (int64_t q = 0; q < q_count; ++q) {
    const Wide pos = in.seq_lens[static_cast<size_t>(q)];
    if (pos < 0) return fault(q, "negative seq_len");
    if (pos + 1 > most(in.seq_lens_32)) return fault(q, "seq_len + 1 overflows");
    const Wide count = pos / b + 1;
    if (count > w) return fault(q, "pages past the row");
    if (count > most(in.bound_32)) return fault(q, "bound overflows");
    if (pos % b + 1 > most(in.last_page_len_32)) return fault(q, "last page length overflows");
    const Wide block_id = in.block_tables[static_cast<size_t>(q * w + static_cast<int64_t>(pos / b))];
    if (block_id < 0) return fault(q, "negative block id");
    if (block_id * b + pos % b > most(false)) return fault(q, "slot overflows");
    for (Wide c = 0; c < count; ++c) {
      const Wide page = in.block_tables[static_cast<size_t>(q * w + static_cast<int64_t>(c))];
      if (page < 0) return fault(q, "negative page id");
      if (page > most(in.indices_32)) return fault(q, "page id overflows");
    }
    pages[static_cast<size_t>(q)] = count;
  }
  Wide total = 0;
  for (int64_t q = 0; q < q_count; ++q) {
    total += pages[static_cast<size_t>(q)];
    if (total > most(in.indptr_32)) return fault(-1, "indptr overflows");
  }
  if (total > static_cast<Wide>(in.paged_kv_indices.size())) return fault(-1, "indices too small");

  FlashInferOutputs& out = expected.outputs;
  const std::vector<int64_t>& sampled = in.sampled_is_tokens ? in.input_tokens : in.sampled_token_ids;
  out.paged_kv_indptr[0] = 0;
  Wide first = 0;
  for (int64_t q = 0; q < q_count; ++q) {
    const auto i = static_cast<size_t>(q);
    const int64_t pos = in.seq_lens[i];
    out.input_tokens[i] = sampled[i];
    out.input_positions[i] = pos;
    out.seq_lens[i] = pos + 1;
    const int64_t block = pos / in.block_size;
    out.slot_mapping[i] = in.block_tables[static_cast<size_t>(q * w + block)] * in.block_size + pos % in.block_size;
    out.paged_kv_last_page_len[i] = pos % in.block_size + 1;
    out.block_table_bound[i] = block + 1;
    for (int64_t c = 0; c <= block; ++c) {
      out.paged_kv_indices[static_cast<size_t>(first + c)] = in.block_tables[static_cast<size_t>(q * w + c)];
    }
    first += block + 1;
    out.paged_kv_indptr[i + 1] = static_cast<int64_t>(first);
  }
  for (int64_t t = q_count; t < n; ++t) {
    const auto i = static_cast<size_t>(t);
    out.input_tokens[i] = 0;
    out.input_positions[i] = 0;
    out.slot_mapping[i] = -1;
    out.paged_kv_indptr[i + 1] = static_cast<int64_t>(total);
  }
  return expected;
}

std::string flashinfer_difference(const FlashInferOutputs& a, const FlashInferOutputs& b) {
  const auto compare = [](const char* name, const std::vector<int64_t>& x,
                          const std::vector<int64_t>& y) -> std::string {
    if (x.size() != y.size()) return std::string(name) + ": sizes differ";
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i] != y[i]) {
        return std::string(name) + "[" + std::to_string(i) + "]: " + std::to_string(x[i]) + " vs " +
               std::to_string(y[i]);
      }
    }
    return "";
  };
  for (const std::string& d :
       {compare("input_tokens", a.input_tokens, b.input_tokens),
        compare("input_positions", a.input_positions, b.input_positions), compare("seq_lens", a.seq_lens, b.seq_lens),
        compare("slot_mapping", a.slot_mapping, b.slot_mapping),
        compare("paged_kv_indices", a.paged_kv_indices, b.paged_kv_indices),
        compare("paged_kv_indptr", a.paged_kv_indptr, b.paged_kv_indptr),
        compare("paged_kv_last_page_len", a.paged_kv_last_page_len, b.paged_kv_last_page_len),
        compare("block_table_bound", a.block_table_bound, b.block_table_bound)}) {
    if (!d.empty()) return d;
  }
  return "";
}

}  // namespace advstep::oracle
