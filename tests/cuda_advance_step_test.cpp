// aclnnAdvanceStep and aclnnAdvanceStepV2 on the CUDA device, against the independent oracle with
// exact equality: the seeded sweeps (both kernel forms: one block up to 4096 rows, check + write
// passes above), then the faults that only a GPU can get wrong (the smallest key across blocks,
// nothing written by any block, one report per fault, launches after a fault).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "cuda_support/gpu_support.hpp"
#include "cuda_support/plain_case.hpp"
#include "oracle/sweeps.hpp"
#include "support/c_api_runner.hpp"
#include "support/device_tensor.hpp"
#include "support/oracle_expectations.hpp"

namespace advstep::testing {
namespace {

using oracle::Sweep;

void check_case(const oracle::RandomCase& random_case, const CApiOptions& options) {
  SCOPED_TRACE(random_case.label());
  const oracle::Expected expected = expected_for(random_case);
  const CApiResult result = run_c_api(random_case.inputs, options);
  ASSERT_EQ(result.workspace_status, ACL_SUCCESS) << result.message;
  ASSERT_EQ(result.run_status, ACL_SUCCESS) << result.message;
  EXPECT_EQ(result.second_sync_status, ACL_SUCCESS) << "a fault was reported twice";
  if (expected.fault) {
    EXPECT_EQ(result.sync_status, ACL_ERROR_RT_AICORE_EXCEPTION) << oracle::fault_cause_name(expected.fault->cause);
    EXPECT_TRUE(result.all_bytes_unchanged) << "a faulty step wrote a tensor";
    expect_names_fault(result.message, options.form == CallForm::kV1 ? "aclnnAdvanceStep" : "aclnnAdvanceStepV2",
                       *expected.fault, random_case.inputs.speculative());
  } else {
    EXPECT_EQ(result.sync_status, ACL_SUCCESS) << result.message;
    EXPECT_EQ(oracle::difference(expected.outputs, result.outputs), "");
    EXPECT_TRUE(result.inputs_unchanged) << "a read-only tensor was written";
  }
}

void run_sweep(const Sweep& sweep, CallForm form) {
  for (int32_t k = 0; k < sweep.count; ++k) {
    const uint64_t seed = sweep.first_seed + static_cast<uint64_t>(k);
    check_case(oracle::make_random_case(seed, sweep.options), {form, (seed & 1) != 0, (seed & 2) != 0});
    if (::testing::Test::HasFailure()) return;
  }
}

std::string sweep_name(const ::testing::TestParamInfo<Sweep>& info) { return info.param.name; }

class CudaAdvanceStepRandom : public GpuTest, public ::testing::WithParamInterface<Sweep> {};
TEST_P(CudaAdvanceStepRandom, MatchesOracle) { run_sweep(GetParam(), CallForm::kV1); }
INSTANTIATE_TEST_SUITE_P(Sweeps, CudaAdvanceStepRandom, ::testing::ValuesIn(oracle::sweeps(false, true)), sweep_name);

class CudaAdvanceStepV2Random : public GpuTest, public ::testing::WithParamInterface<Sweep> {};
TEST_P(CudaAdvanceStepV2Random, MatchesOracle) { run_sweep(GetParam(), CallForm::kV2); }
TEST_P(CudaAdvanceStepV2Random, PlainFormMatchesOracle) {
  Sweep plain = GetParam();
  plain.options.speculative = false;
  run_sweep(plain, CallForm::kV2Absent);
}
INSTANTIATE_TEST_SUITE_P(Sweeps, CudaAdvanceStepV2Random, ::testing::ValuesIn(oracle::sweeps(true, true)), sweep_name);

// ---- hand-made cases ------------------------------------------------------------------------------

class CudaAdvanceStep : public GpuTest {};

TEST_F(CudaAdvanceStep, OfficialExample) {
  const std::vector<int64_t> arange = {0, 1, 2, 3, 4, 5, 6, 7};
  DeviceTensor tokens(arange, {8, 1}), sampled({0, 1, 2, 3}, {4, 1}), positions(arange, {8, 1}),
      seq_lens(arange, {8, 1}), slots(arange, {8, 1}), tables(arange, {8, 1});
  uint64_t workspace = 1;
  aclOpExecutor* executor = nullptr;
  ASSERT_EQ(aclnnAdvanceStepGetWorkspaceSize(tokens.get(), sampled.get(), positions.get(), seq_lens.get(),
                                             slots.get(), tables.get(), 8, 4, 2, &workspace, &executor),
            ACL_SUCCESS)
      << last_error_message();
  EXPECT_EQ(workspace, 0u);
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, executor, nullptr), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(tokens.values(), (std::vector<int64_t>{0, 1, 2, 3, 0, 0, 0, 0}));
  EXPECT_EQ(positions.values(), (std::vector<int64_t>{0, 1, 2, 3, 0, 0, 0, 0}));
  EXPECT_EQ(seq_lens.values(), (std::vector<int64_t>{1, 2, 3, 4, 4, 5, 6, 7}));
  EXPECT_EQ(slots.values(), (std::vector<int64_t>{0, 3, 6, 9, -1, -1, -1, -1}));
}

/// Both kernel forms: one block (N <= 4096) and the check + write passes over many blocks.
class CudaKernelForms : public GpuTest, public ::testing::WithParamInterface<int64_t> {};

TEST_P(CudaKernelForms, ValidRowsAreAllWritten) {
  const PlainCase c(GetParam());
  ASSERT_EQ(c.launch(nullptr), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS) << last_error_message();
  // Every output of every row, padding rows included, from sentinels and a scrambled table.
  EXPECT_EQ(c.step_mismatch(c.seq_lens), "");
}

TEST_P(CudaKernelForms, TheLowestFaultyRowIsReportedAndNothingIsWritten) {
  const int64_t n = GetParam();
  std::vector<int64_t> lens;
  for (int64_t i = 0; i < n; ++i) lens.push_back(i % 13);
  // Faults far apart (other blocks, other threads); the last query row is planted first.
  const int64_t q = n - 7;
  const int64_t low = q / 3;
  lens[static_cast<size_t>(q - 1)] = -5;       // a negative length
  lens[static_cast<size_t>(low)] = 4 * 4 * n;  // leaves the table
  lens[static_cast<size_t>(low + 1)] = -1;
  const PlainCase c(n, lens);
  const auto before = c.bytes();
  ASSERT_EQ(c.launch(nullptr), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(aclrtSynchronizeStream(nullptr), ACL_ERROR_RT_AICORE_EXCEPTION);
  const std::string message = last_error_message();
  EXPECT_NE(message.find("aclnnAdvanceStep: data fault in sequence " + std::to_string(low) + ":"), std::string::npos)
      << message;
  EXPECT_NE(message.find("position " + std::to_string(4 * 4 * n)), std::string::npos) << message;
  EXPECT_EQ(c.bytes(), before) << "a faulty launch wrote a tensor";
  EXPECT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS) << "the fault is reported once";
}

TEST_P(CudaKernelForms, LaunchesAfterAFaultStillRun) {
  const int64_t n = GetParam();
  std::vector<int64_t> lens(static_cast<size_t>(n), 1);
  lens[0] = -1;
  const PlainCase faulty(n, lens), second_faulty(n, lens), valid(n);
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  const auto faulty_before = faulty.bytes();
  ASSERT_EQ(faulty.launch(stream), ACL_SUCCESS);
  ASSERT_EQ(second_faulty.launch(stream), ACL_SUCCESS);
  ASSERT_EQ(valid.launch(stream), ACL_SUCCESS);
  // The first fault since the last synchronisation is reported; the valid launch after it ran.
  EXPECT_EQ(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_EXCEPTION);
  EXPECT_NE(last_error_message().find("sequence 0:"), std::string::npos);
  EXPECT_EQ(faulty.bytes(), faulty_before);
  EXPECT_EQ(valid.seq.values()[1], 2);
  EXPECT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS);
  // A new fault after the report is kept again.
  ASSERT_EQ(faulty.launch(stream), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_EXCEPTION);
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
}

// 64: one block; 4096: the largest single-block launch; 4097 and 10^6: the two-pass form.
INSTANTIATE_TEST_SUITE_P(Sizes, CudaKernelForms, ::testing::Values(64, 4096, 4097, 1000000));

}  // namespace
}  // namespace advstep::testing
