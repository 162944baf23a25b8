// advstep::advance_step (vLLM's contract: N >= Q, int32 or int64 indices) against the independent
// oracle over seeded random cases; a data fault throws advstep::Error kDataFault and writes nothing.
#include <gtest/gtest.h>

#include "advstep/advance_step.hpp"
#include "oracle/sweeps.hpp"
#include "support/native_runner.hpp"
#include "support/oracle_expectations.hpp"

namespace advstep::testing {
namespace {

using oracle::IndexType;
using oracle::RandomCase;
using oracle::Sweep;

void check_case(const RandomCase& random_case, bool matrix_layout) {
  SCOPED_TRACE(random_case.label());
  const oracle::Expected expected = expected_for(random_case);
  const NativeResult result = run_native(random_case.inputs, matrix_layout);
  if (expected.fault) {
    ASSERT_TRUE(result.error.has_value()) << "no exception for " << oracle::fault_cause_name(expected.fault->cause);
    EXPECT_EQ(*result.error, StatusCode::kDataFault) << result.message;
    EXPECT_TRUE(result.is_data_fault);
    EXPECT_TRUE(result.all_unchanged) << "a faulty step wrote an array";
    expect_names_fault(result.message, "advstep::advance_step", *expected.fault, random_case.inputs.speculative());
  } else {
    ASSERT_FALSE(result.error.has_value()) << result.message;
    EXPECT_EQ(oracle::difference(expected.outputs, result.outputs), "");
    EXPECT_TRUE(result.inputs_unchanged) << "a read-only array was written";
  }
}

void run_sweep(const Sweep& sweep) {
  for (int32_t k = 0; k < sweep.count; ++k) {
    const uint64_t seed = sweep.first_seed + static_cast<uint64_t>(k);
    check_case(oracle::make_random_case(seed, sweep.options), (seed & 1) != 0);
    if (::testing::Test::HasFailure()) return;
  }
}

std::string sweep_name(const ::testing::TestParamInfo<Sweep>& info) {
  return info.param.name;
}

class AdvanceStepNativeRandom : public ::testing::TestWithParam<Sweep> {};
TEST_P(AdvanceStepNativeRandom, MatchesOracle) {
  run_sweep(GetParam());
}
INSTANTIATE_TEST_SUITE_P(Sweeps, AdvanceStepNativeRandom, ::testing::ValuesIn(oracle::sweeps(false, false)),
                         sweep_name);

class AdvanceStepNativeSpeculativeRandom : public ::testing::TestWithParam<Sweep> {};
TEST_P(AdvanceStepNativeSpeculativeRandom, MatchesOracle) {
  run_sweep(GetParam());
}
INSTANTIATE_TEST_SUITE_P(Sweeps, AdvanceStepNativeSpeculativeRandom, ::testing::ValuesIn(oracle::sweeps(true, false)),
                         sweep_name);

/// The same values given as int32 and as int64 indices must advance identically.
void expect_index_types_agree(bool speculative) {
  oracle::CaseOptions options;
  options.speculative = speculative;
  options.cann = false;
  options.seq_lens_type = IndexType::kInt32;
  options.block_tables_type = IndexType::kInt32;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    const RandomCase narrow = oracle::make_random_case(seed, options);
    SCOPED_TRACE(narrow.label());
    RandomCase wide = narrow;
    wide.inputs.seq_lens_type = IndexType::kInt64;
    wide.inputs.block_tables_type = IndexType::kInt64;
    const NativeResult a = run_native(narrow.inputs, false);
    const NativeResult b = run_native(wide.inputs, false);
    ASSERT_FALSE(a.error.has_value()) << a.message;
    ASSERT_FALSE(b.error.has_value()) << b.message;
    ASSERT_EQ(oracle::difference(a.outputs, b.outputs), "");
  }
}

TEST(AdvanceStepNative, Int32AndInt64IndicesAgree) {
  expect_index_types_agree(false);
}
TEST(AdvanceStepNativeSpeculative, Int32AndInt64IndicesAgree) {
  expect_index_types_agree(true);
}

// vLLM runs without padding when every sequence is a query; CANN's V1 forbids that, we must not.
TEST(AdvanceStepNative, NumQueriesEqualToNumSeqsUpdatesEveryRow) {
  std::vector<int64_t> tokens = {9, 9, 9}, sampled = {4, 5, 6}, positions = {9, 9, 9}, slots = {9, 9, 9};
  std::vector<int32_t> seq_lens = {0, 3, 5};
  std::vector<int32_t> tables = {10, 11, 20, 21, 30, 31};  // [3, 2]
  advance_step(DecodeStep{view(tokens.data(), {3}), view(sampled.data(), {3, 1}), view(positions.data(), {3}),
                          view(seq_lens.data(), {3}), view(slots.data(), {3}), view(tables.data(), {3, 2}), 3, 3, 3});
  EXPECT_EQ(tokens, (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(positions, (std::vector<int64_t>{0, 3, 5}));
  EXPECT_EQ(seq_lens, (std::vector<int32_t>{1, 4, 6}));
  EXPECT_EQ(slots, (std::vector<int64_t>{30, 21 * 3 + 0, 31 * 3 + 2}));
}

// The bound on a block index is the whole table: a row may read the rows after its own.
TEST(AdvanceStepNative, ReadsPastItsRowWithinTheTable) {
  std::vector<int64_t> tokens(4, 0), sampled = {7, 8}, positions(4, 0), slots(4, 0);
  std::vector<int64_t> seq_lens = {5, 2, 9, 9};
  std::vector<int64_t> tables = {100, 200, 300, 400};  // [4, 1]: row 0 at position 5, B 2 reads entry 2
  advance_step(DecodeStep{view(tokens.data(), {4, 1}), view(sampled.data(), {2, 1}), view(positions.data(), {4, 1}),
                          view(seq_lens.data(), {4, 1}), view(slots.data(), {4, 1}), view(tables.data(), {4, 1}), 4, 2,
                          2});
  EXPECT_EQ(slots, (std::vector<int64_t>{300 * 2 + 1, 300 * 2 + 0, -1, -1}));
  EXPECT_EQ(seq_lens, (std::vector<int64_t>{6, 3, 9, 9}));
  EXPECT_EQ(tokens, (std::vector<int64_t>{7, 8, 0, 0}));
}

}  // namespace
}  // namespace advstep::testing
