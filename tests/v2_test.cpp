// aclnnAdvanceStepV2 on hand-computed numbers: CANN's V2 call example, the last-token rule, V1
// behaviour with the optionals absent or empty, and positions past 2^31.
#include <gtest/gtest.h>

#include <vector>

#include "aclnnop/aclnn_advance_step_v2.h"
#include "advstep/advance_step.hpp"
#include "oracle/random_cases.hpp"
#include "support/c_api_runner.hpp"
#include "support/device_tensor.hpp"

namespace advstep::testing {
namespace {

using oracle::StepInputs;

// CANN's V2 example: N = Q = 8, S = 8, B = 8, tables [8, 1000] of 1, every other input 1, seqLens
// 8, acceptedNum 1. Position 1 + 1 + 1 = 3, length 4, slot 1 * 8 + 3 = 11, token 1.
TEST(AdvanceStepV2, CannExampleValues) {
  const std::vector<int64_t> ones(72, 1);
  DeviceTensor tokens(ones, {72}), sampled(ones, {8, 9}), positions(ones, {72}),
      seq_lens(std::vector<int64_t>(72, 8), {72}), slots(ones, {72}), tables(std::vector<int64_t>(8000, 1), {8, 1000}),
      spec(std::vector<int64_t>(64, 1), {8, 8}), accepted(std::vector<int64_t>(8, 1), {8});
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  uint64_t workspace = 1;
  aclOpExecutor* executor = nullptr;
  ASSERT_EQ(
      aclnnAdvanceStepV2GetWorkspaceSize(tokens.get(), sampled.get(), positions.get(), seq_lens.get(), slots.get(),
                                         tables.get(), spec.get(), accepted.get(), 8, 8, 8, &workspace, &executor),
      ACL_SUCCESS)
      << last_error_message();
  ASSERT_EQ(aclnnAdvanceStepV2(nullptr, workspace, executor, stream), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
  EXPECT_EQ(tokens.values(), ones);
  EXPECT_EQ(sampled.values(), ones);
  EXPECT_EQ(positions.values(), std::vector<int64_t>(72, 3));
  EXPECT_EQ(seq_lens.values(), std::vector<int64_t>(72, 4));
  EXPECT_EQ(slots.values(), std::vector<int64_t>(72, 11));
}

// N 3, S 2, B 4, tables [[5, 6], [7, 8], [9, 10]], acceptedNum {0, 1, 2}.
StepInputs rejection_case() {
  StepInputs in;
  in.num_seqs = in.num_queries = 3;
  in.spec_num = 2;
  in.block_size = 4;
  in.table_width = 2;
  in.block_tables = {5, 6, 7, 8, 9, 10};
  in.sampled_token_ids = {10, -1, 12, /**/ 20, 21, -1, /**/ 30, 31, 32};
  in.spec_token = {100, 101, 200, 201, 300, 301};
  in.accepted_num = {0, 1, 2};
  in.input_positions = {0, 1, 2, 3, 4, 5, 0, 1, 2};
  in.input_tokens = std::vector<int64_t>(9, -7);
  in.seq_lens = std::vector<int64_t>(9, -7);  // not read on the speculative path
  in.slot_mapping = std::vector<int64_t>(9, -7);
  return in;
}

TEST(AdvanceStepV2, TakesTokenBeforeFirstRejection) {
  const CApiResult result = run_c_api(rejection_case(), {CallForm::kV2, true, false});
  ASSERT_EQ(result.sync_status, ACL_SUCCESS) << result.message;
  // Row 0 stops at its inner -1 (token 10), row 1 at its trailing -1 (21), row 2 has none (32).
  EXPECT_EQ(result.outputs.input_tokens, (std::vector<int64_t>{10, 100, 101, 21, 200, 201, 32, 300, 301}));
  EXPECT_EQ(result.outputs.input_positions, (std::vector<int64_t>{1, 2, 3, 5, 6, 7, 3, 4, 5}));
  EXPECT_EQ(result.outputs.seq_lens, (std::vector<int64_t>{2, 3, 4, 6, 7, 8, 4, 5, 6}));
  // Row 1 reads entry 1 * 2 + 5 / 4 = 3 (block 8); row 2 crosses from block 9 to block 10.
  EXPECT_EQ(result.outputs.slot_mapping, (std::vector<int64_t>{21, 22, 23, 33, 34, 35, 39, 40, 41}));
}

TEST(AdvanceStepV2, SampledRowStartingWithRejectionIsFault) {
  StepInputs in = rejection_case();
  in.sampled_token_ids[3] = -1;  // row 1 has no last token
  const CApiResult result = run_c_api(in, {CallForm::kV2, false, true});
  EXPECT_EQ(result.sync_status, ACL_ERROR_RT_AICORE_EXCEPTION);
  EXPECT_EQ(result.second_sync_status, ACL_SUCCESS);
  EXPECT_TRUE(result.all_bytes_unchanged);
  EXPECT_NE(result.message.find("sequence 1"), std::string::npos) << result.message;
}

/// The same V1 case through aclnnAdvanceStep and through aclnnAdvanceStepV2 in @p form.
void expect_v2_equals_v1(CallForm form) {
  oracle::CaseOptions options;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    options.plant_faults = seed % 4 == 0 ? 2 : 0;
    options.huge = seed % 8 == 1;
    const oracle::RandomCase random_case = oracle::make_random_case(seed, options);
    SCOPED_TRACE(random_case.label());
    const CApiResult v1 = run_c_api(random_case.inputs, {CallForm::kV1, (seed & 2) != 0, false});
    const CApiResult v2 = run_c_api(random_case.inputs, {form, (seed & 2) != 0, false});
    ASSERT_EQ(v1.workspace_status, ACL_SUCCESS) << v1.message;
    ASSERT_EQ(v2.workspace_status, ACL_SUCCESS) << v2.message;
    ASSERT_EQ(v2.sync_status, v1.sync_status) << v2.message;
    EXPECT_EQ(v2.sync_status == ACL_SUCCESS, random_case.planted.empty()) << v2.message;
    ASSERT_EQ(oracle::difference(v1.outputs, v2.outputs), "");
    ASSERT_EQ(v2.all_bytes_unchanged, v1.all_bytes_unchanged);
  }
}

TEST(AdvanceStepV2, NullOptionalsBehaveBitForBitAsV1) {
  expect_v2_equals_v1(CallForm::kV2Absent);
}
TEST(AdvanceStepV2, EmptyOptionalsCountAsAbsent) {
  expect_v2_equals_v1(CallForm::kV2Empty);
}

// Without the optionals every V1 rule applies, CANN's N > Q among them.
TEST(AdvanceStepV2, AbsentOptionalsKeepV1Rules) {
  StepInputs in;
  in.num_seqs = in.num_queries = 2;
  in.input_tokens = in.input_positions = in.seq_lens = in.slot_mapping = {1, 2};
  in.sampled_token_ids = {3, 4};
  in.block_tables = {0, 1};
  for (CallForm form : {CallForm::kV2Absent, CallForm::kV2Empty}) {
    const CApiResult result = run_c_api(in, {form, false, false});
    EXPECT_EQ(result.workspace_status, 561002) << result.message;
    EXPECT_TRUE(result.all_bytes_unchanged);
  }
}

// Position 5 * 2^32 + 7 + accepted 1 + 1 = 5 * 2^32 + 9 with B = 2^33 lies in block 2 at offset
// 2^32 + 9; block 2 of row 1 is id 7, so the slot is 7 * 2^33 + 2^32 + 9. Int32 arithmetic (the
// Ascend kernel's) would wrap every one of these.
constexpr int64_t kTwo32 = int64_t{1} << 32;

StepInputs large_position_case() {
  StepInputs in;
  in.num_seqs = in.num_queries = 2;
  in.spec_num = 1;
  in.block_size = 2 * kTwo32;
  in.table_width = 3;
  in.block_tables = {1, 2, 3, 5, 6, 7};
  in.sampled_token_ids = {11, 12, 13, -1};
  in.spec_token = {21, 22};
  in.accepted_num = {0, 1};
  in.input_positions = {0, 1, 5 * kTwo32 + 7, 5 * kTwo32 + 8};
  in.input_tokens = in.seq_lens = in.slot_mapping = {0, 0, 0, 0};
  return in;
}

void expect_large_positions(const oracle::StepOutputs& out) {
  EXPECT_EQ(out.input_positions, (std::vector<int64_t>{1, 2, 5 * kTwo32 + 9, 5 * kTwo32 + 10}));
  EXPECT_EQ(out.seq_lens, (std::vector<int64_t>{2, 3, 5 * kTwo32 + 10, 5 * kTwo32 + 11}));
  EXPECT_EQ(out.slot_mapping, (std::vector<int64_t>{1 * 2 * kTwo32 + 1, 1 * 2 * kTwo32 + 2, 7 * 2 * kTwo32 + kTwo32 + 9,
                                                    7 * 2 * kTwo32 + kTwo32 + 10}));
  EXPECT_EQ(out.input_tokens, (std::vector<int64_t>{12, 21, 13, 22}));
}

TEST(AdvanceStepV2, PositionsBeyondTwoToThe31AreExact) {
  const CApiResult result = run_c_api(large_position_case(), {CallForm::kV2, false, false});
  ASSERT_EQ(result.sync_status, ACL_SUCCESS) << result.message;
  expect_large_positions(result.outputs);
}

TEST(AdvanceStepV2, NativePositionsBeyondTwoToThe31AreExact) {
  StepInputs in = large_position_case();
  std::vector<int64_t> tables = in.block_tables, seq_lens(4, 0);
  advance_step(SpeculativeStep{view(in.input_tokens.data(), {2, 2}), view(in.sampled_token_ids.data(), {2, 2}),
                               view(in.input_positions.data(), {4}), view(seq_lens.data(), {4}),
                               view(in.slot_mapping.data(), {4}), view(tables.data(), {2, 3}), 2, 2, in.block_size,
                               view(in.spec_token.data(), {2, 1}), view(in.accepted_num.data(), {2})});
  expect_large_positions({in.input_tokens, in.input_positions, seq_lens, in.slot_mapping});
}

}  // namespace
}  // namespace advstep::testing
