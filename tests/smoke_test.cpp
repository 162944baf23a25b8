// The official example's numbers through the C API: the quickest signal that the stack works.
#include <gtest/gtest.h>

#include "aclnnop/aclnn_advance_step.h"
#include "support/device_tensor.hpp"

namespace advstep::testing {
namespace {

TEST(AdvanceStepSmoke, OfficialExampleValues) {
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

}  // namespace
}  // namespace advstep::testing
