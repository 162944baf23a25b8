// The random sweeps reach what they claim to: block sizes that are not powers of two, tables 1 to
// 4096 wide, 10^5 sequences, every S, every shape of sampled row, positions and slots past 2^31,
// int32 indices, acceptedNum above S and below 0, and every kind of data fault. A sweep that silently stopped reaching one of these
// would keep passing while testing less; this test fails instead.
#include <gtest/gtest.h>

#include <set>

#include "oracle/reference.hpp"
#include "oracle/sweeps.hpp"

namespace advstep::oracle {
namespace {

constexpr int64_t kTwo31 = int64_t{1} << 31;

struct Coverage {
  std::set<int64_t> block_sizes;
  std::set<int64_t> spec_nums;
  std::set<FaultCause> causes;
  int64_t widest = 0;
  int64_t narrowest = 1 << 30;
  int64_t most_seqs = 0;
  bool q_is_one = false, q_is_n_minus_one = false, q_is_n = false;
  bool int32_seq_lens = false, int32_tables = false;
  bool position_past_2_31 = false, slot_past_2_31 = false, slot_past_2_62 = false, reads_past_own_row = false;
  bool row_without_reject = false, inner_reject = false, trailing_rejects = false;
  bool accepted_above_s = false, accepted_negative = false;  ///< in valid cases: acceptedNum is an offset

  void add_rows(const StepInputs& in) {
    const int64_t e = in.spec_num + 1;
    for (int64_t i = 0; in.speculative() && i < in.num_seqs; ++i) {
      int64_t m = 0;
      while (m < e && in.sampled_token_ids[static_cast<size_t>(i * e + m)] != -1) ++m;
      bool token_after = false;
      for (int64_t j = m; j < e; ++j)
        token_after = token_after || in.sampled_token_ids[static_cast<size_t>(i * e + j)] != -1;
      row_without_reject = row_without_reject || m == e;
      inner_reject = inner_reject || (m > 0 && m < e && token_after);
      trailing_rejects = trailing_rejects || (m > 0 && m < e - 1 && !token_after);
    }
  }

  void add_outputs(const StepInputs& in, const StepOutputs& out) {
    const int64_t e = in.spec_num + 1;
    const int64_t rows = in.speculative() ? in.num_seqs * e : in.num_queries;
    for (int64_t k = 0; k < rows; ++k) {
      const int64_t pos = out.input_positions[static_cast<size_t>(k)];
      position_past_2_31 = position_past_2_31 || pos > kTwo31;
      slot_past_2_31 = slot_past_2_31 || out.slot_mapping[static_cast<size_t>(k)] > kTwo31;
      slot_past_2_62 = slot_past_2_62 || out.slot_mapping[static_cast<size_t>(k)] > (int64_t{1} << 62);
      reads_past_own_row = reads_past_own_row || pos / in.block_size >= in.table_width;
    }
  }

  void add(const RandomCase& random_case) {
    const StepInputs& in = random_case.inputs;
    block_sizes.insert(in.block_size);
    spec_nums.insert(in.spec_num);
    widest = std::max(widest, in.table_width);
    narrowest = std::min(narrowest, in.table_width);
    most_seqs = std::max(most_seqs, in.num_seqs);
    q_is_one = q_is_one || (in.num_queries == 1 && in.num_seqs > 2);
    q_is_n_minus_one = q_is_n_minus_one || (in.num_queries == in.num_seqs - 1 && in.num_seqs > 2);
    q_is_n = q_is_n || (in.num_queries == in.num_seqs && in.num_seqs > 2);
    int32_seq_lens = int32_seq_lens || in.seq_lens_type == IndexType::kInt32;
    int32_tables = int32_tables || in.block_tables_type == IndexType::kInt32;
    add_rows(in);
    const Expected expected = reference_advance_step(in);
    if (expected.fault) {
      causes.insert(expected.fault->cause);
    } else {
      add_outputs(in, expected.outputs);
      for (const int64_t accepted : in.accepted_num) {
        accepted_above_s = accepted_above_s || accepted > in.spec_num;
        accepted_negative = accepted_negative || accepted < 0;
      }
    }
  }
};

Coverage measure(bool speculative, bool cann) {
  Coverage coverage;
  for (const Sweep& sweep : sweeps(speculative, cann)) {
    for (int32_t k = 0; k < sweep.count; ++k) {
      coverage.add(make_random_case(sweep.first_seed + static_cast<uint64_t>(k), sweep.options));
    }
  }
  return coverage;
}

void expect_common(const Coverage& c) {
  for (int64_t b : {1, 2, 3, 7, 16, 100, 128, 1000}) EXPECT_TRUE(c.block_sizes.count(b) == 1) << "block size " << b;
  EXPECT_GE(c.widest, 2048);
  EXPECT_EQ(c.narrowest, 1);
  EXPECT_TRUE(c.position_past_2_31);
  EXPECT_TRUE(c.slot_past_2_31);
  EXPECT_TRUE(c.slot_past_2_62) << "no valid slot near the top of int64";
  EXPECT_TRUE(c.reads_past_own_row);
  for (FaultCause cause : {FaultCause::kBlockOutsideTable, FaultCause::kNegativeBlockId, FaultCause::kSlotDoesNotFit,
                           FaultCause::kLengthDoesNotFit}) {
    EXPECT_TRUE(c.causes.count(cause) == 1) << fault_cause_name(cause);
  }
}

void expect_plain(const Coverage& c) {
  expect_common(c);
  EXPECT_EQ(c.most_seqs, 100000);
  EXPECT_TRUE(c.q_is_one);
  EXPECT_TRUE(c.causes.count(FaultCause::kNegativeSeqLen) == 1);
}

void expect_speculative(const Coverage& c) {
  expect_common(c);
  EXPECT_GE(c.most_seqs, 100000);  // reached with S 1; a large S caps N at max_entries / E
  EXPECT_EQ(c.spec_nums, (std::set<int64_t>{1, 2, 3, 7, 126}));
  EXPECT_TRUE(c.row_without_reject);
  EXPECT_TRUE(c.inner_reject);
  EXPECT_TRUE(c.trailing_rejects);
  EXPECT_TRUE(c.accepted_above_s);
  EXPECT_TRUE(c.accepted_negative);
  for (FaultCause cause : {FaultCause::kNoLastToken, FaultCause::kNegativePosition}) {
    EXPECT_TRUE(c.causes.count(cause) == 1) << fault_cause_name(cause);
  }
}

TEST(RandomCoverage, CApiPlainSweeps) {
  const Coverage c = measure(false, true);
  expect_plain(c);
  EXPECT_TRUE(c.q_is_n_minus_one);
  EXPECT_FALSE(c.q_is_n) << "CANN's V1 needs N > Q";
}

TEST(RandomCoverage, NativePlainSweeps) {
  const Coverage c = measure(false, false);
  expect_plain(c);
  EXPECT_TRUE(c.q_is_n);
  EXPECT_TRUE(c.int32_seq_lens);
  EXPECT_TRUE(c.int32_tables);
}

TEST(RandomCoverage, CApiSpeculativeSweeps) {
  expect_speculative(measure(true, true));
}

TEST(RandomCoverage, NativeSpeculativeSweeps) {
  const Coverage c = measure(true, false);
  expect_speculative(c);
  EXPECT_TRUE(c.int32_seq_lens);
  EXPECT_TRUE(c.int32_tables);
}

}  // namespace
}  // namespace advstep::oracle
