// aclnnAdvanceStep and aclnnAdvanceStepV2 against the independent oracle over seeded random cases:
// exact equality when valid; for a data fault, 507015 at aclrtSynchronizeStream exactly once, a
// message naming the row and value, and every tensor byte-identical to before.
#include <gtest/gtest.h>

#include "oracle/sweeps.hpp"
#include "support/c_api_runner.hpp"
#include "support/oracle_expectations.hpp"

namespace advstep::testing {
namespace {

using oracle::RandomCase;
using oracle::Sweep;

void check_case(const RandomCase& random_case, const CApiOptions& options) {
  SCOPED_TRACE(random_case.label());
  const oracle::Expected expected = expected_for(random_case);
  const CApiResult result = run_c_api(random_case.inputs, options);
  const bool v2 = options.form != CallForm::kV1;
  ASSERT_EQ(result.workspace_status, ACL_SUCCESS) << result.message;
  ASSERT_EQ(result.run_status, ACL_SUCCESS) << result.message;
  EXPECT_EQ(result.second_sync_status, ACL_SUCCESS) << "a stream reported one step twice";
  if (expected.fault) {
    EXPECT_EQ(result.sync_status, ACL_ERROR_RT_AICORE_EXCEPTION) << oracle::fault_cause_name(expected.fault->cause);
    EXPECT_TRUE(result.all_bytes_unchanged) << "a faulty step wrote a tensor";
    expect_names_fault(result.message, v2 ? "aclnnAdvanceStepV2" : "aclnnAdvanceStep", *expected.fault,
                       random_case.inputs.speculative());
  } else {
    EXPECT_EQ(result.sync_status, ACL_SUCCESS) << result.message;
    EXPECT_EQ(oracle::difference(expected.outputs, result.outputs), "");
    EXPECT_TRUE(result.inputs_unchanged) << "a read-only tensor was written";
  }
}

/// Runs every case of @p sweep; stops at the first failing one, whose seed the trace names.
void run_sweep(const Sweep& sweep, CallForm form) {
  for (int32_t k = 0; k < sweep.count; ++k) {
    const uint64_t seed = sweep.first_seed + static_cast<uint64_t>(k);
    // The seed also picks the layout ([N] or [N, 1]; [N*E] or [N, E]) and the stream.
    const CApiOptions options{form, (seed & 1) != 0, (seed & 2) != 0};
    check_case(oracle::make_random_case(seed, sweep.options), options);
    if (::testing::Test::HasFailure()) return;
  }
}

std::string sweep_name(const ::testing::TestParamInfo<Sweep>& info) {
  return info.param.name;
}

class AdvanceStepCApiRandom : public ::testing::TestWithParam<Sweep> {};
TEST_P(AdvanceStepCApiRandom, MatchesOracle) {
  run_sweep(GetParam(), CallForm::kV1);
}
INSTANTIATE_TEST_SUITE_P(Sweeps, AdvanceStepCApiRandom, ::testing::ValuesIn(oracle::sweeps(false, true)), sweep_name);

class AdvanceStepV2CApiRandom : public ::testing::TestWithParam<Sweep> {};
TEST_P(AdvanceStepV2CApiRandom, MatchesOracle) {
  run_sweep(GetParam(), CallForm::kV2);
}
INSTANTIATE_TEST_SUITE_P(Sweeps, AdvanceStepV2CApiRandom, ::testing::ValuesIn(oracle::sweeps(true, true)), sweep_name);

// V2 with no speculative inputs is V1: the same random V1 cases must pass the same oracle.
class AdvanceStepV2CApiPlainRandom : public ::testing::TestWithParam<Sweep> {};
TEST_P(AdvanceStepV2CApiPlainRandom, NullOptionalsMatchOracle) {
  run_sweep(GetParam(), CallForm::kV2Absent);
}
TEST_P(AdvanceStepV2CApiPlainRandom, EmptyOptionalsMatchOracle) {
  run_sweep(GetParam(), CallForm::kV2Empty);
}
INSTANTIATE_TEST_SUITE_P(Sweeps, AdvanceStepV2CApiPlainRandom,
                         ::testing::Values(oracle::sweeps(false, true)[0], oracle::sweeps(false, true)[5]), sweep_name);

}  // namespace
}  // namespace advstep::testing
