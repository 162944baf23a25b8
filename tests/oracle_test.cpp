// The oracle itself on hand-computed numbers, so that the random tests compare against something
// known to be right, and never only against a second copy of the same idea.
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "oracle/random_cases.hpp"
#include "oracle/reference.hpp"

namespace advstep::oracle {
namespace {

// The official example: N 8, Q 4, B 2, every input 0..7, a [8, 1] table, sampled 0..3.
StepInputs official_example() {
  const std::vector<int64_t> arange = {0, 1, 2, 3, 4, 5, 6, 7};
  StepInputs in;
  in.num_seqs = 8;
  in.num_queries = 4;
  in.block_size = 2;
  in.input_tokens = in.input_positions = in.seq_lens = in.slot_mapping = in.block_tables = arange;
  in.sampled_token_ids = {0, 1, 2, 3};
  return in;
}

TEST(Oracle, OfficialExampleValues) {
  const Expected expected = reference_advance_step(official_example());
  ASSERT_FALSE(expected.fault.has_value());
  EXPECT_EQ(expected.outputs.input_tokens, (std::vector<int64_t>{0, 1, 2, 3, 0, 0, 0, 0}));
  EXPECT_EQ(expected.outputs.input_positions, (std::vector<int64_t>{0, 1, 2, 3, 0, 0, 0, 0}));
  EXPECT_EQ(expected.outputs.seq_lens, (std::vector<int64_t>{1, 2, 3, 4, 4, 5, 6, 7}));
  EXPECT_EQ(expected.outputs.slot_mapping, (std::vector<int64_t>{0, 3, 6, 9, -1, -1, -1, -1}));
}

TEST(Oracle, CannV2ExampleValues) {
  StepInputs in;
  in.num_seqs = in.num_queries = 8;
  in.spec_num = 8;
  in.block_size = 8;
  in.table_width = 1000;
  in.block_tables.assign(8000, 1);
  in.input_tokens = in.sampled_token_ids = in.input_positions = in.slot_mapping = std::vector<int64_t>(72, 1);
  in.seq_lens.assign(72, 8);
  in.spec_token.assign(64, 1);
  in.accepted_num.assign(8, 1);
  const Expected expected = reference_advance_step(in);
  ASSERT_FALSE(expected.fault.has_value());
  EXPECT_EQ(expected.outputs.input_tokens, std::vector<int64_t>(72, 1));
  EXPECT_EQ(expected.outputs.input_positions, std::vector<int64_t>(72, 3));
  EXPECT_EQ(expected.outputs.seq_lens, std::vector<int64_t>(72, 4));
  EXPECT_EQ(expected.outputs.slot_mapping, std::vector<int64_t>(72, 11));
}

/// Expects a fault of @p cause at @p sequence, with the inputs returned unchanged.
void expect_fault(const StepInputs& in, FaultCause cause, int64_t sequence, int64_t value) {
  const Expected expected = reference_advance_step(in);
  ASSERT_TRUE(expected.fault.has_value()) << fault_cause_name(cause);
  EXPECT_EQ(expected.fault->cause, cause) << fault_cause_name(expected.fault->cause);
  EXPECT_EQ(expected.fault->sequence, sequence);
  EXPECT_EQ(expected.fault->value, value);
  EXPECT_EQ(difference({in.input_tokens, in.input_positions, in.seq_lens, in.slot_mapping}, expected.outputs), "");
}

TEST(Oracle, FlagsPlainFaultsAtTheirRow) {
  StepInputs in = official_example();
  in.seq_lens[2] = -4;
  expect_fault(in, FaultCause::kNegativeSeqLen, 2, -4);
  in = official_example();
  in.seq_lens[3] = 10;  // 3 * 1 + 10 / 2 = 8: one past the table
  expect_fault(in, FaultCause::kBlockOutsideTable, 3, 10);
  in = official_example();
  in.block_tables[2] = -1;  // no row reads entry 2, so it is harmless
  in.block_tables[3] = -1;  // row 2 at position 2 reads entry 2 * 1 + 2 / 2 = 3
  expect_fault(in, FaultCause::kNegativeBlockId, 2, 2);
  in = official_example();
  in.block_tables[1] = std::numeric_limits<int64_t>::max() / 2 + 1;  // row 1 reads entry 1
  expect_fault(in, FaultCause::kSlotDoesNotFit, 1, 1);
  in = official_example();
  in.seq_lens_type = IndexType::kInt32;
  in.block_size = int64_t{1} << 31;
  in.seq_lens[1] = std::numeric_limits<int32_t>::max();  // its length would not fit int32
  expect_fault(in, FaultCause::kLengthDoesNotFit, 1, std::numeric_limits<int32_t>::max());
}

TEST(Oracle, PaddingRowsAreNeverRead) {
  StepInputs in = official_example();
  in.seq_lens[5] = -9;  // a padding row: unchanged, not a fault
  const Expected expected = reference_advance_step(in);
  ASSERT_FALSE(expected.fault.has_value());
  EXPECT_EQ(expected.outputs.seq_lens[5], -9);
}

// One sequence, S 2, B 4, table [1, 2] = {3, 4}: positions {1, 2, 3} + accepted 1 + 1.
StepInputs speculative_example() {
  StepInputs in;
  in.spec_num = 2;
  in.block_size = 4;
  in.table_width = 2;
  in.block_tables = {3, 4};
  in.sampled_token_ids = {7, 8, -1};
  in.spec_token = {50, 51};
  in.accepted_num = {1};
  in.input_positions = {1, 2, 3};
  in.input_tokens = in.seq_lens = in.slot_mapping = {0, 0, 0};
  return in;
}

TEST(Oracle, SpeculativeRowByHand) {
  const Expected expected = reference_advance_step(speculative_example());
  ASSERT_FALSE(expected.fault.has_value());
  EXPECT_EQ(expected.outputs.input_tokens, (std::vector<int64_t>{8, 50, 51}));
  EXPECT_EQ(expected.outputs.input_positions, (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(expected.outputs.seq_lens, (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(expected.outputs.slot_mapping, (std::vector<int64_t>{15, 16, 17}));
}

TEST(Oracle, FlagsSpeculativeFaults) {
  StepInputs in = speculative_example();
  in.sampled_token_ids[0] = -1;
  expect_fault(in, FaultCause::kNoLastToken, 0, -1);
  in = speculative_example();
  in.accepted_num[0] = -5;  // an offset: the first new position is 1 - 5 + 1
  expect_fault(in, FaultCause::kNegativePosition, 0, -3);
  in = speculative_example();
  in.input_positions[1] = -5;  // -5 + 1 + 1
  expect_fault(in, FaultCause::kNegativePosition, 0, -3);
  in = speculative_example();
  in.input_positions[1] = -2;  // -2 + 1 + 1 = 0: a negative input position is fine when the new one is not
  EXPECT_FALSE(reference_advance_step(in).fault.has_value());
  in = speculative_example();
  in.accepted_num[0] = 7;  // above S: an offset, 1 + 7 + 1 = 9 is block 2 of a 2-entry table
  expect_fault(in, FaultCause::kBlockOutsideTable, 0, 9);
  in = speculative_example();
  in.input_positions[2] = 6;  // 6 + 2 = 8: block 2 of a 2-entry table
  expect_fault(in, FaultCause::kBlockOutsideTable, 0, 8);
}

TEST(RandomCases, SameSeedGivesSameCase) {
  CaseOptions options;
  options.speculative = true;
  const RandomCase a = make_random_case(77, options);
  const RandomCase b = make_random_case(77, options);
  const RandomCase c = make_random_case(78, options);
  EXPECT_EQ(a.label(), b.label());
  EXPECT_EQ(a.inputs.input_positions, b.inputs.input_positions);
  EXPECT_EQ(a.inputs.block_tables, b.inputs.block_tables);
  EXPECT_FALSE(a.inputs.input_positions == c.inputs.input_positions && a.inputs.block_tables == c.inputs.block_tables);
}

}  // namespace
}  // namespace advstep::oracle
