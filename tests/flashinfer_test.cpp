// advstep::FlashInferStep (spec section 9) against the independent oracle over seeded random cases:
// int32 and int64 metadata (each tensor on its own), padding rows, sampled_token_ids passed as
// input_tokens itself, and planted faults (capacity, row bound, negative or too-large page ids,
// int32 overflow) that must write nothing. Also the argument rules of the variant.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "oracle/flashinfer_reference.hpp"

namespace advstep::testing {
namespace {

using oracle::FlashInferInputs;
using oracle::FlashInferOutputs;

/// Host values stored as int32 or int64.
class Buffer {
 public:
  Buffer(const std::vector<int64_t>& values, bool narrow) : narrow_(narrow) {
    if (narrow) {
      small_.assign(values.begin(), values.end());
      for (size_t k = 0; k < values.size(); ++k) small_[k] = static_cast<int32_t>(values[k]);
    } else {
      wide_ = values;
    }
  }
  TensorView view(std::initializer_list<int64_t> shape) {
    return narrow_ ? advstep::view(small_.data(), shape) : advstep::view(wide_.data(), shape);
  }
  [[nodiscard]] std::vector<int64_t> values() const {
    return narrow_ ? std::vector<int64_t>(small_.begin(), small_.end()) : wide_;
  }

 private:
  bool narrow_;
  std::vector<int32_t> small_;
  std::vector<int64_t> wide_;
};

struct CallResult {
  bool faulted = false;
  StatusCode code{};
  std::string message;
  FlashInferOutputs outputs;
  std::vector<int64_t> sampled_after, tables_after;
};

CallResult call(const FlashInferInputs& in) {
  const int64_t n = in.num_seqs;
  Buffer tokens(in.input_tokens, false), positions(in.input_positions, false), slots(in.slot_mapping, false);
  Buffer seq_lens(in.seq_lens, in.seq_lens_32), tables(in.block_tables, in.block_tables_32);
  Buffer sampled(in.sampled_token_ids, in.sampled_32);
  Buffer indices(in.paged_kv_indices, in.indices_32), indptr(in.paged_kv_indptr, in.indptr_32);
  Buffer last(in.paged_kv_last_page_len, in.last_page_len_32), bound(in.block_table_bound, in.bound_32);
  const TensorView tokens_view = tokens.view({n});
  const auto q_prime = static_cast<int64_t>(in.sampled_token_ids.size());
  CallResult result;
  try {
    advance_step(FlashInferStep{
        .num_seqs = n,
        .num_queries = in.num_queries,
        .block_size = in.block_size,
        .input_tokens = tokens_view,
        .sampled_token_ids = in.sampled_is_tokens ? tokens_view : sampled.view({q_prime, 1}),
        .input_positions = positions.view({n}),
        .seq_lens = seq_lens.view({n}),
        .slot_mapping = slots.view({n, 1}),
        .block_tables = tables.view({n, in.table_width}),
        .paged_kv_indices = indices.view({static_cast<int64_t>(in.paged_kv_indices.size())}),
        .paged_kv_indptr = indptr.view({n + 1}),
        .paged_kv_last_page_len = last.view({n}),
        .block_table_bound = bound.view({n}),
    });
  } catch (const Error& error) {
    result.faulted = true;
    result.code = error.code();
    result.message = error.what();
  }
  result.outputs = {tokens.values(),  positions.values(), seq_lens.values(), slots.values(),
                    indices.values(), indptr.values(),    last.values(),     bound.values()};
  result.sampled_after = sampled.values();
  result.tables_after = tables.values();
  return result;
}

/// What a seed plants in its case.
enum class Plant { kNone, kNegativeSeqLen, kPastRow, kNegativePage, kCapacity, kPageTooWideForInt32, kLastPageInt32 };

struct Case {
  FlashInferInputs inputs;
  Plant plant = Plant::kNone;
  std::string label;
};

Case make_case(uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto draw = [&](int64_t low, int64_t high) {  // [low, high]
    return low + static_cast<int64_t>(rng() % static_cast<uint64_t>(high - low + 1));
  };
  Case c;
  FlashInferInputs& in = c.inputs;
  const int64_t kind = draw(0, 11);
  c.plant = kind < 5 ? Plant::kNone : static_cast<Plant>(kind - 4 > 6 ? 0 : kind - 4);
  in.num_seqs = draw(1, 48);
  in.num_queries = draw(1, in.num_seqs);
  static constexpr int64_t kBlockSizes[] = {1, 2, 3, 16, 1000};
  in.block_size = kBlockSizes[draw(0, 4)];
  in.table_width = draw(1, 6);
  const int64_t n = in.num_seqs;
  const auto coin = [&]() { return (rng() & 1) != 0; };
  in.seq_lens_32 = coin();
  in.block_tables_32 = coin();
  in.sampled_32 = coin();
  in.indices_32 = coin();
  in.indptr_32 = coin();
  in.last_page_len_32 = coin();
  in.bound_32 = coin();
  in.sampled_is_tokens = draw(0, 3) == 0;
  for (int64_t i = 0; i < n; ++i) {
    in.input_tokens.push_back(draw(0, 50000));
    in.input_positions.push_back(draw(-5, 5));
    in.slot_mapping.push_back(draw(-5, 5));
    in.seq_lens.push_back(draw(0, in.table_width * in.block_size - 1));
    in.paged_kv_last_page_len.push_back(-7);
    in.block_table_bound.push_back(-7);
  }
  for (int64_t k = 0; k < n * in.table_width; ++k) in.block_tables.push_back(draw(0, 100000));
  const int64_t q_prime = in.num_queries + draw(0, 2);
  for (int64_t k = 0; k < q_prime; ++k) in.sampled_token_ids.push_back(draw(0, 50000));
  if (in.sampled_is_tokens) in.sampled_token_ids.clear();
  in.paged_kv_indptr.assign(static_cast<size_t>(n + 1), -7);
  int64_t pages = 0;
  for (int64_t q = 0; q < in.num_queries; ++q) pages += in.seq_lens[static_cast<size_t>(q)] / in.block_size + 1;
  const int64_t row = draw(0, in.num_queries - 1);
  const auto at = [&](int64_t column) -> int64_t& {
    return in.block_tables[static_cast<size_t>(row * in.table_width + column)];
  };
  const int64_t row_pages = in.seq_lens[static_cast<size_t>(row)] / in.block_size + 1;
  int64_t capacity = pages + draw(0, 3);
  switch (c.plant) {
    case Plant::kNone:
      break;
    case Plant::kNegativeSeqLen:
      in.seq_lens[static_cast<size_t>(row)] = -draw(1, 3);
      break;
    case Plant::kPastRow:
      in.seq_lens[static_cast<size_t>(row)] = in.table_width * in.block_size + draw(0, 3);
      break;
    case Plant::kNegativePage:
      at(draw(0, row_pages - 1)) = -draw(1, 9);
      break;
    case Plant::kCapacity:
      capacity = pages - draw(1, pages);
      break;
    case Plant::kPageTooWideForInt32:
      in.block_tables_32 = false;
      in.indices_32 = true;
      at(draw(0, row_pages - 1)) = int64_t{1} << 31;
      break;
    case Plant::kLastPageInt32:  // B = 2^32: a last page of 2^31 + 6 tokens does not fit int32
      in.block_size = int64_t{1} << 32;
      in.seq_lens_32 = false;
      in.last_page_len_32 = true;
      for (int64_t& len : in.seq_lens) len = draw(0, 1000);
      in.seq_lens[static_cast<size_t>(row)] = (int64_t{1} << 31) + 5;
      capacity = n * in.table_width;
      break;
  }
  if (c.plant == Plant::kNone && draw(0, 3) == 0) capacity = n * in.table_width;  // vLLM's allocation
  in.paged_kv_indices.assign(static_cast<size_t>(capacity), -7);
  c.label = "seed=" + std::to_string(seed) + " N=" + std::to_string(n) + " Q=" + std::to_string(in.num_queries) +
            " B=" + std::to_string(in.block_size) + " W=" + std::to_string(in.table_width) +
            " plant=" + std::to_string(static_cast<int>(c.plant)) + " alias=" + std::to_string(in.sampled_is_tokens);
  return c;
}

TEST(FlashInfer, MatchesTheOracleOverSeededRandomCases) {
  int32_t faults = 0;
  int32_t aliases = 0;
  for (uint64_t seed = 1; seed <= 3000; ++seed) {
    const Case c = make_case(seed);
    SCOPED_TRACE(c.label);
    const oracle::FlashInferExpected expected = oracle::reference_flashinfer(c.inputs);
    const CallResult result = call(c.inputs);
    if (expected.fault_row) {
      ++faults;
      ASSERT_TRUE(result.faulted) << "no fault for " << expected.cause;
      EXPECT_EQ(result.code, StatusCode::kDataFault) << result.message;
      EXPECT_EQ(oracle::flashinfer_difference(expected.outputs, result.outputs), "") << "a faulty step wrote";
      if (*expected.fault_row >= 0) {
        EXPECT_NE(result.message.find("data fault in sequence " + std::to_string(*expected.fault_row) + ":"),
                  std::string::npos)
            << expected.cause << ": " << result.message;
      }
      EXPECT_NE(result.message.find("no tensor was written"), std::string::npos) << result.message;
    } else {
      ASSERT_FALSE(result.faulted) << result.message;
      EXPECT_EQ(oracle::flashinfer_difference(expected.outputs, result.outputs), "");
    }
    if (c.inputs.sampled_is_tokens) ++aliases;
    if (!c.inputs.sampled_is_tokens) {
      EXPECT_EQ(result.sampled_after, c.inputs.sampled_token_ids);
    }
    EXPECT_EQ(result.tables_after, c.inputs.block_tables);
    if (HasFailure()) return;
  }
  EXPECT_GT(faults, 500);  // the sweep does plant faults
  EXPECT_GT(aliases, 300);
}

/// A small valid case to break one rule at a time.
FlashInferInputs small_case() {
  FlashInferInputs in;
  in.num_seqs = 3;
  in.num_queries = 2;
  in.block_size = 4;
  in.table_width = 2;
  in.input_tokens = {0, 0, 9};
  in.sampled_token_ids = {11, 12};
  in.input_positions = {0, 0, 9};
  in.seq_lens = {3, 4, 1};
  in.slot_mapping = {0, 0, 9};
  in.block_tables = {10, 11, 20, 21, 30, 31};
  in.paged_kv_indices.assign(6, -7);
  in.paged_kv_indptr.assign(4, -7);
  in.paged_kv_last_page_len.assign(3, -7);
  in.block_table_bound.assign(3, -7);
  return in;
}

TEST(FlashInfer, WritesTheCsrMetadataOfTheSpec) {
  const CallResult result = call(small_case());
  ASSERT_FALSE(result.faulted) << result.message;
  EXPECT_EQ(result.outputs.input_tokens, (std::vector<int64_t>{11, 12, 0}));
  EXPECT_EQ(result.outputs.slot_mapping, (std::vector<int64_t>{43, 84, -1}));
  EXPECT_EQ(result.outputs.paged_kv_last_page_len, (std::vector<int64_t>{4, 1, -7}));  // a full page is B
  EXPECT_EQ(result.outputs.block_table_bound, (std::vector<int64_t>{1, 2, -7}));
  EXPECT_EQ(result.outputs.paged_kv_indptr, (std::vector<int64_t>{0, 1, 3, 3}));
  EXPECT_EQ(result.outputs.paged_kv_indices, (std::vector<int64_t>{10, 20, 21, -7, -7, -7}));
}

TEST(FlashInfer, PagesPastTheRowAreAFaultThatSaysWhy) {
  FlashInferInputs in = small_case();
  in.seq_lens[1] = 8;  // 3 pages, W = 2
  const CallResult result = call(in);
  ASSERT_TRUE(result.faulted);
  EXPECT_EQ(result.code, StatusCode::kDataFault);
  EXPECT_NE(result.message.find("its own row, so it always applies the row bound"), std::string::npos)
      << result.message;
  EXPECT_EQ(oracle::flashinfer_difference(oracle::outputs_of(in), result.outputs), "");
}

TEST(FlashInfer, IndicesThatCannotHoldThePagesAreAFault) {
  FlashInferInputs in = small_case();
  in.paged_kv_indices.assign(2, -7);
  const CallResult result = call(in);
  ASSERT_TRUE(result.faulted);
  EXPECT_NE(result.message.find("3 pages do not fit paged_kv_indices of 2 elements"), std::string::npos)
      << result.message;
  EXPECT_EQ(oracle::flashinfer_difference(oracle::outputs_of(in), result.outputs), "");
}

TEST(FlashInfer, APageTooLargeForInt32IndicesIsAFaultNamingTheDtype) {
  FlashInferInputs in = small_case();
  in.indices_32 = true;
  in.block_tables[2] = int64_t{1} << 31;  // sequence 1's first page
  const CallResult result = call(in);
  ASSERT_TRUE(result.faulted);
  EXPECT_NE(result.message.find("data fault in sequence 1: block_tables[1, 0], a page copied to paged_kv_indices, "
                                "does not fit its dtype int32 (expected at most 2147483647, got 2147483648)"),
            std::string::npos)
      << result.message;
  EXPECT_EQ(oracle::flashinfer_difference(oracle::outputs_of(in), result.outputs), "");
}

TEST(FlashInfer, ALengthAtTheInt64LimitIsAFaultEvenWithTheLargestBlock) {
  FlashInferInputs in = small_case();
  in.block_size = std::numeric_limits<int64_t>::max();  // the last page would hold pos + 1 tokens
  in.seq_lens[1] = std::numeric_limits<int64_t>::max();
  in.block_tables.assign(6, 0);  // block 0: no slot overflows before row 1
  const CallResult result = call(in);
  ASSERT_TRUE(result.faulted);
  EXPECT_EQ(result.code, StatusCode::kDataFault);
  EXPECT_NE(result.message.find("data fault in sequence 1:"), std::string::npos) << result.message;
  EXPECT_EQ(oracle::flashinfer_difference(oracle::outputs_of(in), result.outputs), "");
}

int32_t code_of(const FlashInferStep& step, const Options& options = {}) {
  try {
    advance_step(step, options);
  } catch (const Error& error) {
    return static_cast<int32_t>(error.code());
  }
  return 0;
}

TEST(FlashInfer, ArgumentRules) {
  std::vector<int64_t> tokens(3), positions(3), slots(3), lens = {1, 2, 3}, tables(6), indices(6), indptr(4), last(3),
                                                          bound(3), sampled(2);
  const FlashInferStep good{3,
                            2,
                            4,
                            view(tokens.data(), {3}),
                            view(sampled.data(), {2}),
                            view(positions.data(), {3}),
                            view(lens.data(), {3}),
                            view(slots.data(), {3}),
                            view(tables.data(), {3, 2}),
                            view(indices.data(), {6}),
                            view(indptr.data(), {4}),
                            view(last.data(), {3}),
                            view(bound.data(), {3})};
  EXPECT_EQ(code_of(good), 0);
  Options ascend;
  ascend.semantics = Semantics::kAscend;
  EXPECT_EQ(code_of(good, ascend), 161002);  // vLLM's semantics only
  FlashInferStep step = good;
  step.paged_kv_indptr = view(indptr.data(), {3});
  EXPECT_EQ(code_of(step), 561002);  // [N + 1]
  step = good;
  step.sampled_token_ids = view(sampled.data(), {1});
  EXPECT_EQ(code_of(step), 561002);  // Q' >= Q
  step = good;
  step.paged_kv_indptr = view(static_cast<int64_t*>(nullptr), {4});
  EXPECT_EQ(code_of(step), 161001);  // null data
  step = good;
  step.paged_kv_indptr = view(indices.data(), {4});
  EXPECT_EQ(code_of(step), 161002);  // overlaps paged_kv_indices
  step = good;
  step.sampled_token_ids = view(tokens.data() + 1, {2});
  EXPECT_EQ(code_of(step), 161002);  // overlapping input_tokens, but not as input_tokens itself
}

}  // namespace
}  // namespace advstep::testing
