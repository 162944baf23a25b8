// The C API under the semantics its environment chooses (ADVSTEP_SEMANTICS, ADVSTEP_ASCEND_CORES,
// ADVSTEP_BLOCK_BOUND). CMake runs this binary once per environment; each test reads the variables
// itself (not through the library) and skips where its environment is not the one it is about.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step.h"
#include "environment/huawei_goldens.hpp"
#include "oracle/ascend_cases.hpp"
#include "oracle/ascend_reference.hpp"
#include "oracle/sweeps.hpp"
#include "support/c_api_runner.hpp"
#include "support/oracle_expectations.hpp"

namespace advstep::testing {
namespace {

/// Under AddressSanitizer each C API call of the ascend semantics maps and poisons its 32 MiB
/// workspace; the sanitizer run walks every fourth case, the plain run all of them.
#if defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kCaseStride = 4;
#else
constexpr uint64_t kCaseStride = 1;
#endif

/// What the environment asks for, read independently of the library.
struct Environment {
  bool valid = true;
  bool ascend = false;
  int64_t cores = 48;  ///< unset: the host reports SoC "CPU", which is no 40-core Ascend part
  bool row_bound = false;
};

Environment environment() {
  Environment env;
  if (const char* s = std::getenv("ADVSTEP_SEMANTICS")) {
    env.ascend = std::strcmp(s, "ascend") == 0;
    env.valid = env.ascend || std::strcmp(s, "vllm") == 0;
  }
  if (const char* c = std::getenv("ADVSTEP_ASCEND_CORES")) {
    char* end = nullptr;
    env.cores = std::strtoll(c, &end, 10);
    env.valid = env.valid && *c >= '0' && *c <= '9' && *end == '\0' && env.cores >= 1 && env.cores <= 2147483647;
  }
  if (const char* b = std::getenv("ADVSTEP_BLOCK_BOUND")) {
    env.row_bound = std::strcmp(b, "row") == 0;
    env.valid = env.valid && (env.row_bound || std::strcmp(b, "table") == 0);
  }
  return env;
}

#define REQUIRE_VALID_ENVIRONMENT() \
  if (!environment().valid) GTEST_SKIP() << "this run's environment names no semantics"

#define REQUIRE_ASCEND_WITH_FORTY_CORES()                                         \
  if (!environment().valid || !environment().ascend || environment().cores != 40) \
  GTEST_SKIP() << "for ADVSTEP_SEMANTICS=ascend ADVSTEP_ASCEND_CORES=40"

class ProcessSemantics : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (environment().valid) {
      ASSERT_EQ(aclInit(nullptr), ACL_SUCCESS);
    }
  }
  static void TearDownTestSuite() {
    if (environment().valid) (void)aclFinalize();
  }
};

/// The expectation for a case under this environment: the Ascend oracle, or vLLM's.
oracle::Expected expected_under(const Environment& env, oracle::StepInputs& in) {
  in.row_bound = env.row_bound;
  return env.ascend ? oracle::ascend_reference_advance_step(in, env.cores, env.row_bound)
                    : oracle::reference_advance_step(in);
}

void check(const oracle::Expected& expected, const CApiResult& result, const char* api, bool speculative) {
  ASSERT_EQ(result.workspace_status, ACL_SUCCESS) << result.message;
  ASSERT_EQ(result.run_status, ACL_SUCCESS) << result.message;
  EXPECT_EQ(result.workspace_size, environment().ascend ? uint64_t{32} << 20 : 0u);
  if (expected.fault) {
    EXPECT_EQ(result.sync_status, ACL_ERROR_RT_AICORE_EXCEPTION) << oracle::fault_cause_name(expected.fault->cause);
    EXPECT_TRUE(result.all_bytes_unchanged) << "a faulty step wrote a tensor";
    expect_names_fault(result.message, api, *expected.fault, speculative);
  } else {
    EXPECT_EQ(result.sync_status, ACL_SUCCESS) << result.message;
    EXPECT_EQ(oracle::difference(expected.outputs, result.outputs), "");
  }
}

TEST_F(ProcessSemantics, SeededCasesMatchTheOracleOfTheChosenSemantics) {
  REQUIRE_VALID_ENVIRONMENT();
  const Environment env = environment();
  for (const bool speculative : {false, true}) {
    for (uint64_t k = 0; k < 1500 && !HasFailure(); k += kCaseStride) {
      const uint64_t seed = 8100000 + (speculative ? 100000 : 0) + k;
      oracle::StepInputs in;
      if (env.ascend) {
        in = oracle::make_ascend_case(seed, speculative, (k & 4) != 0, false).inputs;
      } else {
        oracle::CaseOptions options;
        options.speculative = speculative;
        options.plant_faults = (k % 3 == 0) ? 2 : 0;
        in = oracle::make_random_case(seed, options).inputs;
      }
      const oracle::Expected expected = expected_under(env, in);
      SCOPED_TRACE("seed " + std::to_string(seed) + " " + in.describe());
      const CallForm form = speculative ? CallForm::kV2 : (k % 2 == 0 ? CallForm::kV1 : CallForm::kV2Absent);
      // The Ascend V2 tiling takes the per-token tensors 1-D only.
      const bool matrix = (k & 1) != 0 && !(env.ascend && speculative);
      const CApiResult result = run_c_api(in, {form, matrix, (k & 2) != 0});
      check(expected, result, form == CallForm::kV1 ? "aclnnAdvanceStep" : "aclnnAdvanceStepV2", speculative);
    }
  }
}

// ---- Ascend: the NPU's printouts and Huawei's goldens --------------------------------------------------

oracle::StepInputs plain(std::vector<int64_t> per_token, std::vector<int64_t> sampled, int64_t block_size) {
  oracle::StepInputs in;
  in.num_seqs = static_cast<int64_t>(per_token.size());
  in.num_queries = static_cast<int64_t>(sampled.size());
  in.block_size = block_size;
  in.input_tokens = in.input_positions = in.seq_lens = in.slot_mapping = in.block_tables = per_token;
  in.sampled_token_ids = std::move(sampled);
  return in;
}

TEST_F(ProcessSemantics, StGoldenWithFortyCores) {
  REQUIRE_ASCEND_WITH_FORTY_CORES();
  const CApiResult result = run_c_api(plain(std::vector<int64_t>(8, 1), std::vector<int64_t>(4, 2), 4), {});
  ASSERT_EQ(result.sync_status, ACL_SUCCESS) << result.message;
  EXPECT_EQ(result.outputs.input_tokens, (std::vector<int64_t>{2, 2, 2, 2, 0, 1, 1, 1}));
  EXPECT_EQ(result.outputs.input_positions, (std::vector<int64_t>{1, 1, 1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(result.outputs.seq_lens, (std::vector<int64_t>{2, 2, 2, 2, 1, 1, 1, 1}));
  EXPECT_EQ(result.outputs.slot_mapping, (std::vector<int64_t>{5, 9, 13, 17, -1, 1, 1, 1}));
}

TEST_F(ProcessSemantics, CannV1ExampleWithFortyCoresPrintsWhatAnNpuPrints) {
  REQUIRE_ASCEND_WITH_FORTY_CORES();
  for (const CallForm form : {CallForm::kV1, CallForm::kV2Absent, CallForm::kV2Empty, CallForm::kV2AcceptedOnly}) {
    const CApiResult result = run_c_api(plain({0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3}, 2), {form, true, false});
    ASSERT_EQ(result.workspace_status, ACL_SUCCESS) << result.message;
    EXPECT_EQ(result.workspace_size, uint64_t{33554432});
    ASSERT_EQ(result.sync_status, ACL_SUCCESS) << result.message;
    EXPECT_EQ(result.outputs.input_tokens, (std::vector<int64_t>{0, 1, 2, 3, 0, 5, 6, 7}));
    EXPECT_EQ(result.outputs.input_positions, (std::vector<int64_t>{0, 1, 2, 3, 0, 5, 6, 7}));
    EXPECT_EQ(result.outputs.seq_lens, (std::vector<int64_t>{1, 2, 3, 4, 4, 5, 6, 7}));
    EXPECT_EQ(result.outputs.slot_mapping, (std::vector<int64_t>{0, 3, 6, 9, -1, 5, 6, 7}));
  }
}

void expect_golden(const oracle::StepInputs& in, const oracle::StepOutputs& golden, CallForm form, uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " " + in.describe());
  const bool matrix = (seed & 1) != 0 && !in.speculative();  // Ascend V2: 1-D per-token tensors only
  const CApiResult result = run_c_api(in, {form, matrix, (seed & 2) != 0});
  ASSERT_EQ(result.workspace_status, ACL_SUCCESS) << result.message;
  ASSERT_EQ(result.sync_status, ACL_SUCCESS) << result.message;
  EXPECT_EQ(oracle::difference(golden, result.outputs), "");
}

TEST_F(ProcessSemantics, KernelUnitTestGoldenOfGenData) {
  REQUIRE_ASCEND_WITH_FORTY_CORES();
  for (uint64_t seed = 1; seed <= 2000 && !HasFailure(); seed += kCaseStride) {
    std::mt19937_64 engine(seed);
    const oracle::StepInputs in = goldens::kernel_ut_case(engine);
    expect_golden(in, goldens::v1_golden(in, 40), seed % 2 == 0 ? CallForm::kV1 : CallForm::kV2Absent, seed);
  }
}

TEST_F(ProcessSemantics, OpPluginGoldens) {
  REQUIRE_ASCEND_WITH_FORTY_CORES();
  for (uint64_t seed = 1; seed <= 2000 && !HasFailure(); seed += kCaseStride) {
    std::mt19937_64 engine(seed);
    const auto iteration = static_cast<int64_t>(seed % 40);  // 0..6 in op-plugin; more rows than cores here too
    const oracle::StepInputs v1 = goldens::op_plugin_v1_case(engine, iteration);
    expect_golden(v1, goldens::v1_golden(v1, 40), CallForm::kV1, seed);
    if (seed > 700) continue;  // the V2 tables are [N, 10000]
    const oracle::StepInputs v2 = goldens::op_plugin_v2_case(engine, static_cast<int64_t>(seed % 7));
    expect_golden(v2, goldens::v2_golden(v2), CallForm::kV2, seed);
  }
}

TEST_F(ProcessSemantics, StExecutorV2Golden) {
  REQUIRE_ASCEND_WITH_FORTY_CORES();
  for (uint64_t seed = 1; seed <= 300 && !HasFailure(); seed += kCaseStride) {
    std::mt19937_64 engine(seed);
    const oracle::StepInputs in = goldens::st_v2_case(engine, seed % 10 == 0 ? 400 : 64);
    expect_golden(in, goldens::v2_golden(in), CallForm::kV2, seed);
  }
}

// ---- a variable that names nothing ----------------------------------------------------------------------

TEST(BadEnvironment, IsRefusedAtInitAndAtEveryFirstPhase) {
  if (environment().valid) GTEST_SKIP() << "for a bad ADVSTEP_SEMANTICS, _ASCEND_CORES or _BLOCK_BOUND";
  EXPECT_EQ(aclInit(nullptr), ACL_ERROR_INVALID_PARAM);
  const std::string init_message = aclGetRecentErrMsg();
  EXPECT_NE(init_message.find("aclInit: ADVSTEP_"), std::string::npos) << init_message;
  EXPECT_NE(init_message.find("expected"), std::string::npos) << init_message;
  const CApiResult result = run_c_api(plain({0, 1, 2, 3}, {0}, 2), {});
  EXPECT_EQ(result.workspace_status, 161002);
  EXPECT_NE(result.message.find("aclnnAdvanceStep: ADVSTEP_"), std::string::npos) << result.message;
  EXPECT_TRUE(result.all_bytes_unchanged);
}

}  // namespace
}  // namespace advstep::testing
