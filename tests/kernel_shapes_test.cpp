// Cases shaped to catch the mistakes a device kernel can make and hand-made cases let through: block
// tables whose values differ from their indices (scrambled), every output checked (positions too),
// outputs starting at sentinels so a missing padding write shows, sizes past one block, past the
// single-block form and past one item per thread of the largest grid (about 270000 threads on a
// 132-SM GPU), and several threads launching on one shared stream. They run here on the CPU and on a
// GPU in the suite's re-run (cuda_suite.host_tests_on_gpu); expected values are computed here from
// the documented formula, independently of the library.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step.h"
#include "aclnnop/aclnn_advance_step_v2.h"
#include "support/device_tensor.hpp"

namespace advstep::testing {
namespace {

constexpr int64_t kSentinel = -77;  ///< what every written output starts as
constexpr int64_t kBlockSize = 16;

/// Block ids that are neither their index nor monotonic: reading the index instead of the value, or
/// the wrong row, gives another id.
int64_t scrambled_id(int64_t k) { return (7919 * k + 13) % 100003; }

/// A V1 step: N rows, Q = N - N / 8 queries, tables [N, W] of scrambled ids, lengths in [0, 47].
struct PlainShape {
  int64_t n, q, width;
  std::vector<int64_t> lens, table, ids;
  DeviceTensor tokens, sampled, positions, seq, slots, tables;

  PlainShape(int64_t rows, int64_t table_width)
      : n(rows), q(rows - rows / 8), width(table_width) {
    for (int64_t i = 0; i < n; ++i) lens.push_back((i * 31 + 5) % 48);
    for (int64_t k = 0; k < n * width; ++k) table.push_back(scrambled_id(k));
    for (int64_t i = 0; i < q; ++i) ids.push_back(500000 + 3 * i);
    const std::vector<int64_t> sentinels(static_cast<size_t>(n), kSentinel);
    tokens = DeviceTensor(sentinels, {n});
    sampled = DeviceTensor(ids, {q, 1});
    positions = DeviceTensor(sentinels, {n});
    seq = DeviceTensor(lens, {n});
    slots = DeviceTensor(sentinels, {n});
    tables = DeviceTensor(table, {n, width});
  }

  aclnnStatus launch(aclrtStream stream) const {
    uint64_t workspace = 0;
    aclOpExecutor* executor = nullptr;
    if (aclnnStatus s = aclnnAdvanceStepGetWorkspaceSize(tokens.get(), sampled.get(), positions.get(), seq.get(),
                                                         slots.get(), tables.get(), n, q, kBlockSize, &workspace,
                                                         &executor);
        s != ACL_SUCCESS) {
      return s;
    }
    return aclnnAdvanceStep(nullptr, 0, executor, stream);
  }

  /// "" when the tensors hold what @p steps steps give, else the first difference.
  [[nodiscard]] std::string check(int64_t steps) const {
    const std::vector<int64_t> got_tokens = tokens.values(), got_positions = positions.values(),
                               got_seq = seq.values(), got_slots = slots.values();
    for (int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<size_t>(i);
      int64_t token = 0, position = 0, length = lens[k], slot = -1;  // a padding row
      if (i < q) {
        position = lens[k] + steps - 1;
        length = position + 1;
        token = ids[k];
        slot = table[static_cast<size_t>(i * width + position / kBlockSize)] * kBlockSize + position % kBlockSize;
      }
      if (got_tokens[k] != token || got_positions[k] != position || got_seq[k] != length || got_slots[k] != slot) {
        return "row " + std::to_string(i) + (i < q ? " (query)" : " (padding)") + ": got token " +
               std::to_string(got_tokens[k]) + " position " + std::to_string(got_positions[k]) + " seq_len " +
               std::to_string(got_seq[k]) + " slot " + std::to_string(got_slots[k]) + ", expected " +
               std::to_string(token) + " " + std::to_string(position) + " " + std::to_string(length) + " " +
               std::to_string(slot);
      }
    }
    return "";
  }
};

class PlainShapes : public ::testing::TestWithParam<int64_t> {};

TEST_P(PlainShapes, EveryOutputOfEveryRowIsTheFormulasWithAScrambledTable) {
  const PlainShape step(GetParam(), 3);
  ASSERT_EQ(step.launch(nullptr), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(step.check(1), "");
}

// 64: one block; 4096 / 4097: either side of the single-block form; 300000: more rows than the
// largest grid has threads, so each thread strides over several.
INSTANTIATE_TEST_SUITE_P(Rows, PlainShapes, ::testing::Values(64, 4096, 4097, 300000));

TEST(PlainShapes, TheCheckCatchesAMissingPaddingWriteAndAnIndexReadAsAnId) {
  const PlainShape step(64, 3);
  EXPECT_NE(step.check(1), "") << "sentinels must not pass as a step";
  EXPECT_NE(scrambled_id(5), 5);
  EXPECT_NE(scrambled_id(0), 0);
}

TEST(SharedStream, SeveralThreadsLaunchingOnOneStreamEachGetTheirSteps) {
  constexpr int32_t kThreads = 4;
  constexpr int64_t kSteps = 12;
  aclrtStream shared = nullptr;
  ASSERT_EQ(aclrtCreateStream(&shared), ACL_SUCCESS);
  for (aclrtStream stream : {shared, static_cast<aclrtStream>(nullptr)}) {
    std::vector<PlainShape> steps;
    steps.reserve(kThreads);
    for (int32_t t = 0; t < kThreads; ++t) steps.emplace_back(5000 + 8 * t, 5);  // two-pass form on a GPU
    std::vector<aclnnStatus> failures(kThreads, ACL_SUCCESS);
    std::vector<std::thread> threads;
    for (int32_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t]() {
        for (int64_t s = 0; s < kSteps && failures[static_cast<size_t>(t)] == ACL_SUCCESS; ++s) {
          failures[static_cast<size_t>(t)] = steps[static_cast<size_t>(t)].launch(stream);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    ASSERT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS) << last_error_message();
    for (int32_t t = 0; t < kThreads; ++t) {
      EXPECT_EQ(failures[static_cast<size_t>(t)], ACL_SUCCESS) << "thread " << t;
      EXPECT_EQ(steps[static_cast<size_t>(t)].check(kSteps), "") << "thread " << t;
    }
  }
  EXPECT_EQ(aclrtDestroyStream(shared), ACL_SUCCESS);
}

/// A V2 step: N sequences of E = S + 1 cells, tables [N, 4] of scrambled ids.
struct SpeculativeShape {
  static constexpr int64_t kDrafts = 3;
  static constexpr int64_t kCells = kDrafts + 1;
  static constexpr int64_t kWidth = 4;
  int64_t n;
  std::vector<int64_t> sampled_ids, spec_ids, accepted_counts, start_positions, table;
  DeviceTensor tokens, sampled, positions, seq, slots, tables, spec, accepted;

  explicit SpeculativeShape(int64_t sequences) : n(sequences) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t accepted_here = (i * 5 + 1) % (kDrafts + 1);
      accepted_counts.push_back(accepted_here);
      for (int64_t j = 0; j < kCells; ++j) {
        // Rejected tokens (-1) after the accepted ones and one more; never in column 0.
        sampled_ids.push_back(j <= accepted_here ? 900000 + i * kCells + j : -1);
        start_positions.push_back((i * 13 + j * 7) % 41);
      }
      for (int64_t s = 0; s < kDrafts; ++s) spec_ids.push_back(700000 + i * kDrafts + s);
    }
    for (int64_t k = 0; k < n * kWidth; ++k) table.push_back(scrambled_id(k));
    const std::vector<int64_t> sentinels(static_cast<size_t>(n * kCells), kSentinel);
    tokens = DeviceTensor(sentinels, {n * kCells});
    sampled = DeviceTensor(sampled_ids, {n, kCells});
    positions = DeviceTensor(start_positions, {n * kCells});
    seq = DeviceTensor(sentinels, {n * kCells});
    slots = DeviceTensor(sentinels, {n * kCells});
    tables = DeviceTensor(table, {n, kWidth});
    spec = DeviceTensor(spec_ids, {n, kDrafts});
    accepted = DeviceTensor(accepted_counts, {n});
  }

  [[nodiscard]] std::string check() const {
    const std::vector<int64_t> got_tokens = tokens.values(), got_positions = positions.values(),
                               got_seq = seq.values(), got_slots = slots.values();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t last = sampled_ids[static_cast<size_t>(i * kCells + accepted_counts[static_cast<size_t>(i)])];
      for (int64_t j = 0; j < kCells; ++j) {
        const auto k = static_cast<size_t>(i * kCells + j);
        const int64_t position = start_positions[k] + accepted_counts[static_cast<size_t>(i)] + 1;
        const int64_t token = j == 0 ? last : spec_ids[static_cast<size_t>(i * kDrafts + j - 1)];
        const int64_t slot =
            table[static_cast<size_t>(i * kWidth + position / kBlockSize)] * kBlockSize + position % kBlockSize;
        if (got_tokens[k] != token || got_positions[k] != position || got_seq[k] != position + 1 ||
            got_slots[k] != slot) {
          return "sequence " + std::to_string(i) + " cell " + std::to_string(j) + ": got token " +
                 std::to_string(got_tokens[k]) + " position " + std::to_string(got_positions[k]) + " seq_len " +
                 std::to_string(got_seq[k]) + " slot " + std::to_string(got_slots[k]) + ", expected " +
                 std::to_string(token) + " " + std::to_string(position) + " " + std::to_string(position + 1) + " " +
                 std::to_string(slot);
        }
      }
    }
    return "";
  }
};

class SpeculativeShapes : public ::testing::TestWithParam<int64_t> {};

TEST_P(SpeculativeShapes, EveryCellIsTheFormulasWithAScrambledTable) {
  const SpeculativeShape step(GetParam());
  uint64_t workspace = 0;
  aclOpExecutor* executor = nullptr;
  ASSERT_EQ(aclnnAdvanceStepV2GetWorkspaceSize(step.tokens.get(), step.sampled.get(), step.positions.get(),
                                               step.seq.get(), step.slots.get(), step.tables.get(), step.spec.get(),
                                               step.accepted.get(), step.n, step.n, kBlockSize, &workspace, &executor),
            ACL_SUCCESS)
      << last_error_message();
  ASSERT_EQ(aclnnAdvanceStepV2(nullptr, 0, executor, nullptr), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(step.check(), "");
}

// 16 and 1024 sequences (64 and 4096 cells: the single-block form), 1025 (the two-pass form), and
// 100000 (400000 cells: more than one cell per thread of the largest grid).
INSTANTIATE_TEST_SUITE_P(Sequences, SpeculativeShapes, ::testing::Values(16, 1024, 1025, 100000));

}  // namespace
}  // namespace advstep::testing
