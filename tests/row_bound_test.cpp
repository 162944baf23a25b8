// BlockBound::kRow (spec 4.1): a block index at or past W is a data fault naming both sequences,
// with nothing written; vLLM's oracle with the row bound over its seeded sweeps.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "oracle/sweeps.hpp"
#include "support/native_runner.hpp"
#include "support/oracle_expectations.hpp"

namespace advstep::testing {
namespace {

Options row_bound() {
  Options options;
  options.block_bound = BlockBound::kRow;
  return options;
}

// The overrun of the issue: seq_lens [2, 0], tables [[10], [20]], B 2. Under the table bound
// row 0 takes entry 1, sequence 1's block 20 (slot 40); under the row bound that is a fault.
TEST(RowBound, OverrunIntoTheNextSequenceIsADataFaultNamingBoth) {
  std::vector<int64_t> tokens = {5, 5, 5}, sampled = {7, 8}, positions = {5, 5, 5}, seq_lens = {2, 0, 9},
                       slots = {5, 5, 5}, tables = {10, 20, 30};
  const auto call = [&](const Options& options) {
    advance_step(DecodeStep{view(tokens.data(), {3}), view(sampled.data(), {2, 1}), view(positions.data(), {3}),
                            view(seq_lens.data(), {3}), view(slots.data(), {3}), view(tables.data(), {3, 1}), 3, 2, 2},
                 options);
  };
  try {
    call(row_bound());
    FAIL() << "no data fault";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_TRUE(error.is_data_fault()) << message;
    EXPECT_NE(message.find("in sequence 0:"), std::string::npos) << message;
    EXPECT_NE(message.find("of sequence 0"), std::string::npos) << message;
    EXPECT_NE(message.find("sequence 1's blocks"), std::string::npos) << message;
    EXPECT_NE(message.find("W = 1"), std::string::npos) << message;
  }
  EXPECT_EQ(slots, (std::vector<int64_t>{5, 5, 5}));
  EXPECT_EQ(seq_lens, (std::vector<int64_t>{2, 0, 9}));
  EXPECT_EQ(tokens, (std::vector<int64_t>{5, 5, 5}));
  call(Options{});                                       // the default reads on, as vLLM and CANN's example do
  EXPECT_EQ(slots, (std::vector<int64_t>{40, 40, -1}));  // row 0 took sequence 1's slot 40
}

// A huge position in the last row: row * W + index passes 2^63 - 1. Under either bound the message
// gives the exact entry, past the table's end, and says nothing of a start or a negative index.
TEST(RowBound, HugeBlockIndexInALaterRowNamesTheExactEntry) {
  const int64_t huge = std::numeric_limits<int64_t>::max() - 1;
  for (const BlockBound bound : {BlockBound::kTable, BlockBound::kRow}) {
    std::vector<int64_t> tokens(3, 5), sampled = {7, 8, 9}, positions(3, 5), seq_lens = {0, 0, huge}, slots(3, 5),
                                       tables = {10, 20, 30};
    Options options;
    options.block_bound = bound;
    try {
      advance_step(
          DecodeStep{view(tokens.data(), {3}), view(sampled.data(), {3, 1}), view(positions.data(), {3}),
                     view(seq_lens.data(), {3}), view(slots.data(), {3}), view(tables.data(), {3, 1}), 3, 3, 1},
          options);
      FAIL() << "no data fault";
    } catch (const Error& error) {
      const std::string message = error.what();
      EXPECT_TRUE(error.is_data_fault()) << message;
      EXPECT_NE(message.find("in sequence 2:"), std::string::npos) << message;
      EXPECT_EQ(message.find("before its start"), std::string::npos) << message;
      EXPECT_EQ(message.find("at least -"), std::string::npos) << message;
      const std::string entry = bound == BlockBound::kTable
                                    ? "reads entry 2 * W + 9223372036854775806 = 9223372036854775808 of block_tables, "
                                      "past its end"
                                    : "no sequence's blocks (outside the table) (entry 9223372036854775808; row bound)";
      EXPECT_NE(message.find(entry), std::string::npos) << message;
    }
    EXPECT_EQ(seq_lens, (std::vector<int64_t>{0, 0, huge}));
    EXPECT_EQ(slots, (std::vector<int64_t>{5, 5, 5}));
  }
}

TEST(RowBound, LastBlockOfTheRowIsAllowed) {
  std::vector<int64_t> tokens(2, 0), sampled = {7}, positions(2, 0), seq_lens = {5, 0}, slots(2, 0),
                                     tables = {10, 11, 12, 20, 21, 22};
  advance_step(DecodeStep{view(tokens.data(), {2}), view(sampled.data(), {1, 1}), view(positions.data(), {2}),
                          view(seq_lens.data(), {2}), view(slots.data(), {2}), view(tables.data(), {2, 3}), 2, 1, 2},
               row_bound());
  EXPECT_EQ(slots, (std::vector<int64_t>{12 * 2 + 1, -1}));
}

class RowBoundNativeRandom : public ::testing::TestWithParam<oracle::Sweep> {};

TEST_P(RowBoundNativeRandom, MatchesOracle) {
  const oracle::Sweep& sweep = GetParam();
  for (int32_t k = 0; k < sweep.count && !HasFailure(); ++k) {
    const uint64_t seed = sweep.first_seed + static_cast<uint64_t>(k);
    oracle::RandomCase random_case = oracle::make_random_case(seed, sweep.options);
    random_case.inputs.row_bound = true;
    SCOPED_TRACE(random_case.label());
    const oracle::Expected expected = oracle::reference_advance_step(random_case.inputs);
    const NativeResult result = run_native(random_case.inputs, (seed & 1) != 0, row_bound());
    if (expected.fault) {
      ASSERT_TRUE(result.error.has_value()) << oracle::fault_cause_name(expected.fault->cause);
      EXPECT_TRUE(result.is_data_fault) << result.message;
      EXPECT_TRUE(result.all_unchanged);
      expect_names_fault(result.message, "advstep::advance_step", *expected.fault, random_case.inputs.speculative());
    } else {
      ASSERT_FALSE(result.error.has_value()) << result.message;
      EXPECT_EQ(oracle::difference(expected.outputs, result.outputs), "");
    }
  }
}

std::vector<oracle::Sweep> row_bound_sweeps() {
  std::vector<oracle::Sweep> all;
  for (const bool speculative : {false, true}) {
    for (oracle::Sweep sweep : oracle::sweeps(speculative, false)) {
      if (sweep.count > 500) continue;
      sweep.name = std::string(speculative ? "v2_" : "v1_") + sweep.name;
      sweep.first_seed += 9000000;
      all.push_back(sweep);
    }
  }
  return all;
}

std::string sweep_name(const ::testing::TestParamInfo<oracle::Sweep>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Sweeps, RowBoundNativeRandom, ::testing::ValuesIn(row_bound_sweeps()), sweep_name);

}  // namespace
}  // namespace advstep::testing
