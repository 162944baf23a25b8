// libFuzzer harness over the FlashInfer variant's native entry (spec section 9): one
// advstep::advance_step(FlashInferStep) per input, built from its bytes, then the contract's two
// invariants:
//   - whenever the call throws, every element of every tensor is unchanged, and a data fault is
//     thrown exactly when the independent oracle (tests/oracle/flashinfer_reference.cpp) finds one;
//   - whenever it succeeds, the tensors hold what the oracle computes.
// The bytes choose the counts (N, Q, B, W, the capacity C, values near the int32 and int64 limits
// included), each index tensor's dtype, whether sampled_token_ids is input_tokens itself, and
// every value. Host memory: AddressSanitizer sees any access outside a tensor.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

#include "advstep/advance_step.hpp"
#include "oracle/flashinfer_reference.hpp"

namespace {

namespace oracle = advstep::oracle;

/// Values stored as int32 or int64, as the input chose.
struct Buffer {
  bool narrow = false;
  std::vector<int32_t> small;
  std::vector<int64_t> wide;

  Buffer(const std::vector<int64_t>& values, bool is_narrow) : narrow(is_narrow) {
    if (narrow) {
      for (int64_t v : values) small.push_back(static_cast<int32_t>(v));
    } else {
      wide = values;
    }
  }
  advstep::TensorView view(std::initializer_list<int64_t> shape) {
    return narrow ? advstep::view(small.data(), shape) : advstep::view(wide.data(), shape);
  }
  [[nodiscard]] std::vector<int64_t> values() const {
    return narrow ? std::vector<int64_t>(small.begin(), small.end()) : wide;
  }
};

void fail(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

int64_t value(FuzzedDataProvider& in, bool narrow) {
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0: return narrow ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int64_t>::max() - in.ConsumeIntegralInRange<int64_t>(0, 3);
    case 1: return -in.ConsumeIntegralInRange<int64_t>(1, 3);
    case 2: return narrow ? in.ConsumeIntegral<int32_t>() : in.ConsumeIntegral<int64_t>();
    default: return in.ConsumeIntegralInRange<int64_t>(0, 40);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  oracle::FlashInferInputs c;
  c.num_seqs = in.ConsumeIntegralInRange<int64_t>(1, 12);
  c.num_queries = in.ConsumeIntegralInRange<int64_t>(1, c.num_seqs);
  static constexpr int64_t kBlockSizes[] = {1, 2, 3, 16, int64_t{1} << 31, int64_t{1} << 32,
                                            std::numeric_limits<int64_t>::max()};
  c.block_size = kBlockSizes[in.ConsumeIntegralInRange<int>(0, 6)];
  c.table_width = in.ConsumeIntegralInRange<int64_t>(1, 5);
  c.seq_lens_32 = in.ConsumeBool();
  c.block_tables_32 = in.ConsumeBool();
  c.sampled_32 = in.ConsumeBool();
  c.indices_32 = in.ConsumeBool();
  c.indptr_32 = in.ConsumeBool();
  c.last_page_len_32 = in.ConsumeBool();
  c.bound_32 = in.ConsumeBool();
  c.sampled_is_tokens = in.ConsumeBool();
  const int64_t n = c.num_seqs;
  for (int64_t i = 0; i < n; ++i) {
    c.input_tokens.push_back(in.ConsumeIntegral<int64_t>());
    c.input_positions.push_back(in.ConsumeIntegral<int64_t>());
    c.slot_mapping.push_back(in.ConsumeIntegral<int64_t>());
    c.seq_lens.push_back(in.ConsumeBool() ? value(in, c.seq_lens_32)
                                          : in.ConsumeIntegralInRange<int64_t>(0, c.table_width * 3));
    c.paged_kv_last_page_len.push_back(-7);
    c.block_table_bound.push_back(-7);
  }
  for (int64_t k = 0; k < n * c.table_width; ++k) c.block_tables.push_back(value(in, c.block_tables_32));
  const int64_t q_prime = c.num_queries + in.ConsumeIntegralInRange<int64_t>(0, 2);
  if (!c.sampled_is_tokens) {
    for (int64_t k = 0; k < q_prime; ++k) c.sampled_token_ids.push_back(value(in, c.sampled_32));
  }
  c.paged_kv_indices.assign(static_cast<size_t>(in.ConsumeIntegralInRange<int64_t>(0, n * c.table_width + 2)), -7);
  c.paged_kv_indptr.assign(static_cast<size_t>(n + 1), -7);

  const oracle::FlashInferExpected expected = oracle::reference_flashinfer(c);
  Buffer tokens(c.input_tokens, false), positions(c.input_positions, false), slots(c.slot_mapping, false);
  Buffer lens(c.seq_lens, c.seq_lens_32), tables(c.block_tables, c.block_tables_32);
  Buffer sampled(c.sampled_token_ids, c.sampled_32);
  Buffer indices(c.paged_kv_indices, c.indices_32), indptr(c.paged_kv_indptr, c.indptr_32);
  Buffer last(c.paged_kv_last_page_len, c.last_page_len_32), bound(c.block_table_bound, c.bound_32);
  const advstep::TensorView tokens_view = tokens.view({n});
  bool faulted = false;
  try {
    advstep::advance_step(advstep::FlashInferStep{
        n, c.num_queries, c.block_size, tokens_view,
        c.sampled_is_tokens ? tokens_view : sampled.view({q_prime}), positions.view({n}), lens.view({n}),
        slots.view({n}), tables.view({n, c.table_width}),
        indices.view({static_cast<int64_t>(c.paged_kv_indices.size())}), indptr.view({n + 1}), last.view({n}),
        bound.view({n})});
  } catch (const advstep::Error& error) {
    faulted = true;
    if (error.is_data_fault() != expected.fault_row.has_value()) fail(error.what());
  }
  if (!faulted && expected.fault_row) fail("the oracle found a fault the library did not");
  const oracle::FlashInferOutputs got{tokens.values(), positions.values(), lens.values(),  slots.values(),
                                      indices.values(), indptr.values(),   last.values(),  bound.values()};
  const oracle::FlashInferOutputs want = faulted ? oracle::outputs_of(c) : expected.outputs;
  if (!(got == want)) fail(oracle::flashinfer_difference(want, got).c_str());
  if (sampled.values() != c.sampled_token_ids || tables.values() != c.block_tables) fail("an input was written");
  return 0;
}
