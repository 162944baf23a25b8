#include "cuda_support/gpu_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "acl/acl.h"
#include "cuda_support/gpu_presence.hpp"

namespace advstep::testing {
namespace {

/// This machine's verdict, asked once per process.
const GpuVerdict& verdict() {
  static const GpuVerdict answer = probe_gpu_presence();
  return answer;
}

int skipped_tests = 0;

/// One line after the last test: how many GPU tests skipped, and why.
class SkipSummary : public ::testing::Environment {
 public:
  void TearDown() override {
    if (skipped_tests == 0) return;
    std::printf(
        "advstep: %d GPU test(s) skipped: no GPU on this machine (%s); ADVSTEP_REQUIRE_GPU=1 makes that a "
        "failure\n",
        skipped_tests, verdict().why.c_str());
  }
};

[[maybe_unused]] ::testing::Environment* const kSkipSummary = ::testing::AddGlobalTestEnvironment(new SkipSummary);

}  // namespace

void GpuTest::SetUp() {
  switch (verdict().presence) {
    case GpuPresence::kPresent:
      break;
    case GpuPresence::kAbsent:
      if (gpu_required()) FAIL() << "no GPU (" << verdict().why << "), and ADVSTEP_REQUIRE_GPU=1";
      ++skipped_tests;
      GTEST_SKIP() << "no GPU on this machine (" << verdict().why << ")";
    case GpuPresence::kBroken:
      FAIL() << "CUDA failed on this machine: " << verdict().why;
  }
  // The runtime chooses its backend at its first call; every test of this binary comes here first.
  ::setenv("ADVSTEP_DEVICE", "cuda", 1);
  ASSERT_EQ(aclrtSetDevice(0), ACL_SUCCESS) << aclGetRecentErrMsg();
  ASSERT_STRNE(aclrtGetSocName(), "CPU") << "the runtime chose the CPU before ADVSTEP_DEVICE=cuda was set";
}

std::string cuda_error_text(cudaError_t error) {
  return std::string(cudaGetErrorName(error)) + ": " + cudaGetErrorString(error);
}

}  // namespace advstep::testing
