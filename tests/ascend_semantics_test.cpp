// Semantics::kAscend through the native API against the independent Ascend oracle, over thousands
// of seeded cases (V1 and V2, tame values as Huawei's goldens draw them and wild ones at the int32
// and int64 edges), plus the cases the NPU's own goldens and examples print.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "oracle/ascend_cases.hpp"
#include "oracle/ascend_reference.hpp"
#include "support/native_runner.hpp"
#include "support/oracle_expectations.hpp"

namespace advstep::testing {
namespace {

Options ascend(int64_t cores, BlockBound bound = BlockBound::kTable) {
  Options options;
  options.semantics = Semantics::kAscend;
  options.ascend_cores = cores;
  options.block_bound = bound;
  return options;
}

void check_ascend_case(const oracle::AscendCase& ascend_case, bool matrix_layout) {
  SCOPED_TRACE(ascend_case.label());
  const oracle::StepInputs& in = ascend_case.inputs;
  const oracle::Expected expected = oracle::ascend_reference_advance_step(in, ascend_case.cores, in.row_bound);
  const NativeResult result =
      run_native(in, matrix_layout, ascend(ascend_case.cores, in.row_bound ? BlockBound::kRow : BlockBound::kTable));
  if (expected.fault) {
    ASSERT_TRUE(result.error.has_value()) << "no exception for " << oracle::fault_cause_name(expected.fault->cause);
    EXPECT_EQ(*result.error, StatusCode::kDataFault) << result.message;
    EXPECT_TRUE(result.all_unchanged) << "a faulty step wrote an array";
    expect_names_fault(result.message, "advstep::advance_step", *expected.fault, in.speculative());
    if (expected.fault->cause == oracle::FaultCause::kBlockOutsideRow) {
      EXPECT_NE(result.message.find("row bound"), std::string::npos) << result.message;
    }
  } else {
    ASSERT_FALSE(result.error.has_value()) << result.message;
    EXPECT_EQ(oracle::difference(expected.outputs, result.outputs), "");
    EXPECT_TRUE(result.inputs_unchanged) << "a read-only array was written";
  }
}

struct AscendSweep {
  const char* name;
  uint64_t first_seed;
  int32_t count;
  bool speculative;
  bool wild;
};

std::string ascend_sweep_name(const ::testing::TestParamInfo<AscendSweep>& info) {
  return info.param.name;
}

class AscendNativeRandom : public ::testing::TestWithParam<AscendSweep> {};

TEST_P(AscendNativeRandom, MatchesAscendOracle) {
  const AscendSweep& sweep = GetParam();
  for (int32_t k = 0; k < sweep.count && !HasFailure(); ++k) {
    const uint64_t seed = sweep.first_seed + static_cast<uint64_t>(k);
    // V2's per-token tensors are 1-D under Ascend semantics; V1 takes [N] and [N, 1].
    check_ascend_case(oracle::make_ascend_case(seed, sweep.speculative, sweep.wild, true),
                      !sweep.speculative && (seed & 1) != 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Sweeps, AscendNativeRandom,
                         ::testing::Values(AscendSweep{"v1_tame", 7100000, 1500, false, false},
                                           AscendSweep{"v1_wild", 7200000, 1500, false, true},
                                           AscendSweep{"v2_tame", 7300000, 1500, true, false},
                                           AscendSweep{"v2_wild", 7400000, 1500, true, true}),
                         ascend_sweep_name);

// ---- what NPUs and Huawei's goldens print ------------------------------------------------------------

struct PlainArrays {
  std::vector<int64_t> tokens, sampled, positions, seq_lens, slots, tables;
  int64_t num_seqs, num_queries, block_size;

  void run(const Options& options) {
    advance_step(DecodeStep{view(tokens.data(), {num_seqs}), view(sampled.data(), {num_queries, 1}),
                            view(positions.data(), {num_seqs}), view(seq_lens.data(), {num_seqs}),
                            view(slots.data(), {num_seqs}),
                            view(tables.data(), {num_seqs, static_cast<int64_t>(tables.size()) / num_seqs}), num_seqs,
                            num_queries, block_size},
                 options);
  }
};

// ops-nn's ST case for aclnnAdvanceStep: every per-token value 1, sampled 2, a [8, 1] table of 1s,
// N 8, Q 4, B 4, expected as its executor states it for 40 cores. Row i reads entry 0 and adds i.
TEST(AscendSemantics, StGoldenWithFortyCores) {
  PlainArrays a{std::vector<int64_t>(8, 1),
                std::vector<int64_t>(4, 2),
                std::vector<int64_t>(8, 1),
                std::vector<int64_t>(8, 1),
                std::vector<int64_t>(8, 1),
                std::vector<int64_t>(8, 1),
                8,
                4,
                4};
  a.run(ascend(40));
  EXPECT_EQ(a.tokens, (std::vector<int64_t>{2, 2, 2, 2, 0, 1, 1, 1}));
  EXPECT_EQ(a.positions, (std::vector<int64_t>{1, 1, 1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(a.seq_lens, (std::vector<int64_t>{2, 2, 2, 2, 1, 1, 1, 1}));
  EXPECT_EQ(a.slots, (std::vector<int64_t>{5, 9, 13, 17, -1, 1, 1, 1}));
}

// CANN's V1 call example (every tensor 0..7, sampled 0..3, N 8, Q 4, B 2): only padding row 4 is
// written on an NPU, rows 5..7 keep their inputs.
TEST(AscendSemantics, CannV1ExampleWithFortyCores) {
  const std::vector<int64_t> counting = {0, 1, 2, 3, 4, 5, 6, 7};
  PlainArrays a{counting, {0, 1, 2, 3}, counting, counting, counting, counting, 8, 4, 2};
  a.run(ascend(40));
  EXPECT_EQ(a.tokens, (std::vector<int64_t>{0, 1, 2, 3, 0, 5, 6, 7}));
  EXPECT_EQ(a.positions, (std::vector<int64_t>{0, 1, 2, 3, 0, 5, 6, 7}));
  EXPECT_EQ(a.seq_lens, (std::vector<int64_t>{1, 2, 3, 4, 4, 5, 6, 7}));
  EXPECT_EQ(a.slots, (std::vector<int64_t>{0, 3, 6, 9, -1, 5, 6, 7}));
}

// Fewer cores than queries: rows from `cores` on are not advanced, padding every cores-th row.
TEST(AscendSemantics, RowsPastTheCoreCountAreNotAdvanced) {
  PlainArrays a{std::vector<int64_t>(10, 9),
                {1, 2, 3, 4},
                std::vector<int64_t>(10, 9),
                {0, 1, 2, 3, 7, 7, 7, 7, 7, 7},
                std::vector<int64_t>(10, 9),
                {10, 11, 12, 13, 14, 15, 16, 17, 18, 19},
                10,
                4,
                1};
  a.run(ascend(3));
  EXPECT_EQ(a.tokens, (std::vector<int64_t>{1, 2, 3, 9, 0, 9, 9, 0, 9, 9}));
  EXPECT_EQ(a.seq_lens, (std::vector<int64_t>{1, 2, 3, 3, 7, 7, 7, 7, 7, 7}));
  // (bt[pos] + 1 * i) * 1 + 0
  EXPECT_EQ(a.slots, (std::vector<int64_t>{10, 12, 14, 9, -1, 9, 9, -1, 9, 9}));
}

// The same inputs under vLLM's formula, the default: every row, every padding row.
TEST(AscendSemantics, DefaultIsVllmsFormula) {
  PlainArrays a{std::vector<int64_t>(10, 9),
                {1, 2, 3, 4},
                std::vector<int64_t>(10, 9),
                {0, 1, 2, 3, 7, 7, 7, 7, 7, 7},
                std::vector<int64_t>(10, 9),
                {10, 11, 12, 13, 14, 15, 16, 17, 18, 19},
                10,
                4,
                1};
  a.run(Options{});
  EXPECT_EQ(a.tokens, (std::vector<int64_t>{1, 2, 3, 4, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(a.slots, (std::vector<int64_t>{10, 12, 14, 16, -1, -1, -1, -1, -1, -1}));
}

// V2: int32 arithmetic wraps. Position 2^32 - 3 is -3 in int32, so p = -2: block 0 (division
// truncates), offset -2, seqLens -1. vLLM's 64-bit formula gives 2^32 - 2 instead.
TEST(AscendSemantics, SpeculativePositionsWrapAtThirtyTwoBits) {
  std::vector<int64_t> tokens(2, 0), sampled = {5, 6}, positions = {(int64_t{1} << 32) - 3, (int64_t{1} << 32) - 2};
  std::vector<int64_t> seq_lens(2, 0), slots(2, 0), spec = {8}, accepted = {0}, tables = {3};  // N 1, S 1, W 1
  advance_step(SpeculativeStep{view(tokens.data(), {2}), view(sampled.data(), {1, 2}), view(positions.data(), {2}),
                               view(seq_lens.data(), {2}), view(slots.data(), {2}), view(tables.data(), {1, 1}), 1, 1,
                               8, view(spec.data(), {1, 1}), view(accepted.data(), {1})},
               ascend(40));
  EXPECT_EQ(positions, (std::vector<int64_t>{-2, -1}));
  EXPECT_EQ(seq_lens, (std::vector<int64_t>{-1, 0}));
  EXPECT_EQ(slots, (std::vector<int64_t>{3 * 8 - 2, 3 * 8 - 1}));
  EXPECT_EQ(tokens, (std::vector<int64_t>{6, 8}));
}

// Position 2^31 - 1 + 1 wraps to -2^31: its block index leaves the table, a fault, nothing written.
TEST(AscendSemantics, WrappedPositionOutsideTheTableIsADataFault) {
  std::vector<int64_t> tokens(2, 0), sampled = {5, 6}, positions = {2147483647, 0}, seq_lens(2, 0), slots(2, 0);
  std::vector<int64_t> spec = {8}, accepted = {0}, tables = {3};
  try {
    advance_step(SpeculativeStep{view(tokens.data(), {2}), view(sampled.data(), {1, 2}), view(positions.data(), {2}),
                                 view(seq_lens.data(), {2}), view(slots.data(), {2}), view(tables.data(), {1, 1}), 1, 1,
                                 8, view(spec.data(), {1, 1}), view(accepted.data(), {1})},
                 ascend(40));
    FAIL() << "no data fault";
  } catch (const Error& error) {
    EXPECT_TRUE(error.is_data_fault()) << error.what();
    EXPECT_NE(std::string(error.what()).find("position -2147483648"), std::string::npos) << error.what();
  }
  EXPECT_EQ(positions, (std::vector<int64_t>{2147483647, 0}));
  EXPECT_EQ(tokens, (std::vector<int64_t>{0, 0}));
}

std::string plain_fault_message(std::vector<int64_t> seq_lens, int64_t block_size, const Options& options) {
  const auto n = static_cast<int64_t>(seq_lens.size());
  std::vector<int64_t> tokens(seq_lens.size(), 5), positions(seq_lens.size(), 5), slots(seq_lens.size(), 5);
  std::vector<int64_t> sampled(seq_lens.size() - 1, 7), tables(seq_lens.size());
  for (int64_t k = 0; k < n; ++k) tables[static_cast<size_t>(k)] = 10 * (k + 1);
  const std::vector<int64_t> before = seq_lens;
  try {
    advance_step(DecodeStep{view(tokens.data(), {n}), view(sampled.data(), {n - 1, 1}), view(positions.data(), {n}),
                            view(seq_lens.data(), {n}), view(slots.data(), {n}), view(tables.data(), {n, 1}), n, n - 1,
                            block_size},
                 options);
  } catch (const Error& error) {
    EXPECT_TRUE(error.is_data_fault()) << error.what();
    EXPECT_EQ(seq_lens, before);
    EXPECT_EQ(slots, std::vector<int64_t>(seq_lens.size(), 5));
    return error.what();
  }
  ADD_FAILURE() << "no data fault";
  return "";
}

// The V1 kernel reads row 0 at index 2^63 - 1 for sequence 1: the message names that entry exactly.
TEST(AscendSemantics, HugeBlockIndexInALaterRowReadsRowZero) {
  const std::string message = plain_fault_message({0, std::numeric_limits<int64_t>::max(), 0}, 1, ascend(40));
  EXPECT_NE(message.find("in sequence 1:"), std::string::npos) << message;
  EXPECT_NE(message.find("reads entry 9223372036854775807 of block_tables (the Ascend V1 kernel reads row 0), "
                         "outside the table"),
            std::string::npos)
      << message;
}

// Row bound, V1: sequence 1 at block index 1 of a W = 1 table. The kernel reads entry 1 of row 0,
// which lies in sequence 1's row, and adds 1 * W: the message says so, not that the slot is in
// sequence 1's blocks (it is outside its own row).
TEST(AscendSemantics, RowBoundMessageSaysWhichRowTheKernelReads) {
  const std::string message = plain_fault_message({0, 2, 0}, 2, ascend(40, BlockBound::kRow));
  EXPECT_NE(message.find("in sequence 1:"), std::string::npos) << message;
  EXPECT_NE(message.find("of sequence 1 is outside its row of W = 1 blocks; the Ascend V1 kernel would read entry 1 "
                         "(row 0), which lies in sequence 1's row, and add 1 * W = 1 to the block id found there "
                         "(row bound)"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("its slot would be in"), std::string::npos) << message;
  const std::string outside = plain_fault_message({0, 6, 0}, 2, ascend(40, BlockBound::kRow));
  EXPECT_NE(outside.find("would read entry 3 (row 0), which lies in no sequence's row (outside the table), and "
                         "add 1 * W = 1"),
            std::string::npos)
      << outside;
}

TEST(AscendSemantics, SpeculativeBlockIdsAndSlotsAreInt32) {
  // Block id 2^32 + 5 is read into an int (5); the slot 5 * 1000 + 7 fits; positions wrap from 2^32 + 6.
  std::vector<int64_t> tokens(2, 0), sampled = {5, -1}, positions = {(int64_t{1} << 32) + 6, 6}, seq_lens(2, 0),
                                     slots(2, 0);
  std::vector<int64_t> spec = {8}, accepted = {0}, tables = {(int64_t{1} << 32) + 5};
  advance_step(SpeculativeStep{view(tokens.data(), {2}), view(sampled.data(), {1, 2}), view(positions.data(), {2}),
                               view(seq_lens.data(), {2}), view(slots.data(), {2}), view(tables.data(), {1, 1}), 1, 1,
                               1000, view(spec.data(), {1, 1}), view(accepted.data(), {1})},
               ascend(40));
  EXPECT_EQ(positions, (std::vector<int64_t>{7, 7}));
  EXPECT_EQ(seq_lens, (std::vector<int64_t>{8, 8}));
  EXPECT_EQ(slots, (std::vector<int64_t>{5007, 5007}));
  EXPECT_EQ(tokens, (std::vector<int64_t>{5, 8}));
}

// The argmin of the row as float, -1 appended: a value below -1 is the minimum, so the token is the
// one before it; vLLM's rule stops at the first -1 instead.
TEST(AscendSemantics, LastTokenIsTheArgminOfTheRow) {
  std::vector<int64_t> tokens(3, 0), sampled = {4, -1, -7}, positions = {0, 0, 0}, seq_lens(3, 0), slots(3, 0);
  std::vector<int64_t> spec = {8, 9}, accepted = {0}, tables = {0, 1};
  advance_step(SpeculativeStep{view(tokens.data(), {3}), view(sampled.data(), {1, 3}), view(positions.data(), {3}),
                               view(seq_lens.data(), {3}), view(slots.data(), {3}), view(tables.data(), {1, 2}), 1, 1,
                               4, view(spec.data(), {1, 2}), view(accepted.data(), {1})},
               ascend(40));
  EXPECT_EQ(tokens, (std::vector<int64_t>{-1, 8, 9}));
}

// One optional missing or empty: the NPU takes the V1 path (and its N > Q rule), not 161001.
TEST(AscendSemantics, OneOptionalMissingTakesTheV1Path) {
  const std::vector<int64_t> counting = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int64_t> tokens = counting, positions = counting, seq_lens = counting, slots = counting,
                       tables = counting, sampled = {0, 1, 2, 3}, accepted(8, 1);
  advance_step(SpeculativeStep{view(tokens.data(), {8}), view(sampled.data(), {4, 1}), view(positions.data(), {8}),
                               view(seq_lens.data(), {8}), view(slots.data(), {8}), view(tables.data(), {8, 1}), 8, 4,
                               2, TensorView{}, view(accepted.data(), {8})},
               ascend(40));
  EXPECT_EQ(slots, (std::vector<int64_t>{0, 3, 6, 9, -1, 5, 6, 7}));
}

int32_t code_of_plain_call(bool int32_lengths, int64_t num_queries, const Options& options) {
  std::vector<int64_t> tokens(8, 1), positions(8, 1), lengths(8, 1), slots(8, 1), sampled(8, 2), tables(8, 1);
  std::vector<int32_t> narrow(8, 1);
  const TensorView seq_lens = int32_lengths ? view(narrow.data(), {8}) : view(lengths.data(), {8});
  try {
    advance_step(
        DecodeStep{view(tokens.data(), {8}), view(sampled.data(), {num_queries, 1}), view(positions.data(), {8}),
                   seq_lens, view(slots.data(), {8}), view(tables.data(), {8, 1}), 8, num_queries, 4},
        options);
  } catch (const Error& error) {
    return static_cast<int32_t>(error.code());
  }
  return 0;
}

TEST(AscendSemantics, RefusesWhatItsKernelsCannotTake) {
  EXPECT_EQ(code_of_plain_call(false, 4, ascend(40)), 0);
  EXPECT_EQ(code_of_plain_call(true, 4, ascend(40)), 161002);   // int32 seq_lens
  EXPECT_EQ(code_of_plain_call(false, 8, ascend(40)), 561002);  // N == Q
  EXPECT_EQ(code_of_plain_call(false, 8, Options{}), 0);        // vLLM's contract allows it
  EXPECT_EQ(code_of_plain_call(false, 4, ascend(-1)), 161002);
  Options bad;
  bad.semantics = static_cast<Semantics>(7);
  EXPECT_EQ(code_of_plain_call(false, 4, bad), 161002);
  bad = Options{};
  bad.block_bound = static_cast<BlockBound>(7);
  EXPECT_EQ(code_of_plain_call(false, 4, bad), 161002);
}

// One rule for the core count on every API: checked under every semantics, unused under vLLM's.
TEST(AscendSemantics, CoreCountIsCheckedUnderEverySemantics) {
  const auto vllm_with = [](int64_t cores) {
    Options options;
    options.ascend_cores = cores;
    return options;
  };
  EXPECT_EQ(code_of_plain_call(false, 4, vllm_with(-5)), 161002);
  EXPECT_EQ(code_of_plain_call(false, 4, vllm_with(int64_t{1} << 31)), 161002);
  EXPECT_EQ(code_of_plain_call(false, 4, ascend(int64_t{1} << 31)), 161002);
  EXPECT_EQ(code_of_plain_call(false, 8, vllm_with(5)), 0);  // N == Q: vLLM's rules, the count unused
  std::vector<int64_t> tokens(8, 1), positions(8, 1), seq_lens(8, 1), slots(8, 1), sampled(4, 2), tables(8, 1);
  advance_step(DecodeStep{view(tokens.data(), {8}), view(sampled.data(), {4, 1}), view(positions.data(), {8}),
                          view(seq_lens.data(), {8}), view(slots.data(), {8}), view(tables.data(), {8, 1}), 8, 4, 4},
               vllm_with(1));
  EXPECT_EQ(slots, (std::vector<int64_t>{5, 5, 5, 5, -1, -1, -1, -1}));  // every padding row: no core count
}

}  // namespace
}  // namespace advstep::testing

namespace advstep::testing {
namespace {

// Batches past the CPU kernel's threading threshold: the chunks of the check and write passes,
// the padding items included, must give the oracle's result.
oracle::StepInputs large_case(bool speculative, int64_t num_seqs, int64_t num_queries, uint64_t seed) {
  std::mt19937_64 engine(seed);
  const auto draw = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(engine() % static_cast<uint64_t>(hi - lo + 1));
  };
  oracle::StepInputs in;
  in.num_seqs = num_seqs;
  in.num_queries = num_queries;
  in.block_size = 16;
  in.table_width = 4;
  in.spec_num = speculative ? 7 : 0;
  const int64_t cells = num_seqs * (in.spec_num + 1);
  for (auto* values : {&in.input_tokens, &in.input_positions, &in.seq_lens, &in.slot_mapping}) {
    values->resize(static_cast<size_t>(cells));
    for (int64_t& v : *values) v = draw(0, speculative ? 40 : 63);
  }
  in.block_tables.resize(static_cast<size_t>(num_seqs * in.table_width));
  for (int64_t& v : in.block_tables) v = draw(0, int64_t{1} << 40);
  in.sampled_token_ids.resize(static_cast<size_t>(speculative ? cells : num_queries));
  for (int64_t& v : in.sampled_token_ids) v = draw(-1, 1000);
  if (speculative) {
    for (int64_t i = 0; i < num_seqs; ++i) in.sampled_token_ids[static_cast<size_t>(i * 8)] = draw(0, 1000);
    in.spec_token.resize(static_cast<size_t>(num_seqs * 7));
    for (int64_t& v : in.spec_token) v = draw(0, 1000);
    in.accepted_num.resize(static_cast<size_t>(num_seqs));
    for (int64_t& v : in.accepted_num) v = draw(0, 20);
  }
  return in;
}

TEST(AscendSemantics, LargeBatchesSplitOverThreadsMatchTheOracle) {
  struct Shape {
    bool speculative;
    int64_t num_seqs, num_queries, cores;
  };
  for (const Shape shape :
       {Shape{true, 6000, 6000, 40}, Shape{false, 200000, 100000, 1}, Shape{false, 150000, 70000, 3}}) {
    const oracle::StepInputs in = large_case(shape.speculative, shape.num_seqs, shape.num_queries, 99);
    SCOPED_TRACE(in.describe());
    const oracle::Expected expected = oracle::ascend_reference_advance_step(in, shape.cores, false);
    ASSERT_FALSE(expected.fault.has_value()) << oracle::fault_cause_name(expected.fault->cause);
    const NativeResult result = run_native(in, false, ascend(shape.cores));
    ASSERT_FALSE(result.error.has_value()) << result.message;
    EXPECT_EQ(oracle::difference(expected.outputs, result.outputs), "");
  }
}

}  // namespace
}  // namespace advstep::testing
