// advstep::post_update (prepare_step.md sections 3.3, 4 and 10.11): the spec's Ex 2 update value for
// value (with and without the token history, int32 and int64 state), skipped rows, every data fault
// class that applies (F1 both rules, F2, F3, F6 on each output, F8 each rule) with nothing written,
// and the argument classes with their status codes. Seeded random cases against the independent
// oracle are in python/tests/test_post_update.py (the oracle is Python).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "support/post_update_cases.hpp"

namespace advstep::testing {
namespace {

TEST(PostUpdate, Example2RaggedBatchWithOneRejection) {
  for (const bool narrow : {false, true}) {
    PostUpdateExample e(narrow);
    post_update(e.step());
    EXPECT_EQ(e.nc.values(), (Values{14, 9, 0, 9}));
    EXPECT_EQ(e.last.values(), (Values{260, 0, 0, 350}));
  }
}

TEST(PostUpdate, Example2WithTheTokenHistory) {
  PostUpdateExample e;
  post_update_async(e.step(true));  // on host tensors, the synchronous form
  EXPECT_EQ(e.nc.values(), (Values{14, 9, 0, 9}));
  EXPECT_EQ(e.last.values(), (Values{260, 0, 0, 350}));
  EXPECT_EQ(e.total_len.values(), (Values{5, 1, 0, 4}));
  Values history(24, -9);
  history[0 * 6 + 3] = 201;
  history[0 * 6 + 4] = 260;
  history[3 * 6 + 2] = 301;
  history[3 * 6 + 3] = 350;
  EXPECT_EQ(e.history.values(), history);
}

TEST(PostUpdate, WithoutQueryStartLocOnlyTheSampledTokensCount) {
  // L_b = 0 without query_start_loc: nc += -rho, so rho must be 0 and nc stays.
  PostUpdateExample e;
  e.num_rejected.set(1, 0);
  PostUpdateStep s = e.step();
  s.query_start_loc = TensorView{};
  post_update(s);
  EXPECT_EQ(e.nc.values(), (Values{12, 4, 0, 7}));
  EXPECT_EQ(e.last.values(), (Values{260, 0, 0, 350}));
}

TEST(PostUpdate, NegativeRowsAreSkippedAndNotValidated) {
  PostUpdateExample e;
  e.idx.set(1, -1);
  e.num_sampled.set(1, 99);    // would be F8 in a row that is not skipped
  e.num_rejected.set(1, -5);
  post_update(e.step(true));
  EXPECT_EQ(e.nc.values(), (Values{14, 9, 0, 7}));
  EXPECT_EQ(e.last.values(), (Values{260, 0, 0, 300}));
  EXPECT_EQ(e.total_len.values(), (Values{5, 1, 0, 2}));
}

TEST(PostUpdate, ANumComputedNearTheLimitThatFitsIsWritten) {
  // nc + L alone leaves int64, nc + L - rho does not: only the result is checked (F6).
  PostUpdateExample e;
  e.nc.set(3, INT64_MAX - 1);
  e.num_rejected.set(1, 3);
  post_update(e.step());
  EXPECT_EQ(e.nc.values(), (Values{14, 9, 0, INT64_MAX - 1}));
}

TEST(PostUpdate, InputsMayBeViewsAndLongerThanR) {
  // num_sampled read with stride 2 from a padded buffer; sampled_tokens with more rows than R.
  PostUpdateExample e;
  HostValues padded_sampled{{0, -7, 2, -7, 2, -7, 5, -7}};
  HostValues sampled{{-1, -1, 301, 350, 201, 260, 1, 1}};
  PostUpdateStep s = e.step();
  s.num_sampled = view(padded_sampled.wide.data(), {4});
  s.num_sampled.strides[0] = 2;
  s.sampled_tokens = sampled.mat(4);
  post_update(s);
  EXPECT_EQ(e.nc.values(), (Values{14, 9, 0, 9}));
  EXPECT_EQ(e.last.values(), (Values{260, 0, 0, 350}));
}

void expect_refused(PostUpdateExample& e, const PostUpdateStep& s, StatusCode code, const std::string& text) {
  const std::vector<Values> before = e.state();
  try {
    post_update(s);
    ADD_FAILURE() << "accepted; expected " << text;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), code) << error.what();
    EXPECT_NE(std::string(error.what()).find(text), std::string::npos) << error.what();
    if (code == StatusCode::kDataFault) {
      EXPECT_NE(std::string(error.what()).find("advstep::post_update: data fault"), std::string::npos);
      EXPECT_NE(std::string(error.what()).find("nothing was written"), std::string::npos);
    }
  }
  EXPECT_EQ(e.state(), before) << text;
}

TEST(PostUpdate, EveryDataFaultClassWritesNothing) {
  const std::vector<PostUpdateCase> cases = post_update_fault_cases();
  for (const PostUpdateCase& c : cases) {
    PostUpdateExample e(c.narrow);
    PostUpdateStep s = e.step();
    c.plant(e, s);
    SCOPED_TRACE(c.name);
    expect_refused(e, s, StatusCode::kDataFault, c.text);
  }
}

TEST(PostUpdate, TheFirstFaultInRowOrderIsReported) {
  // Row 1's F8 comes before row 2's F1; within row 1, F3 before F8.
  PostUpdateExample e;
  PostUpdateStep s = e.step();
  e.num_sampled.set(1, 7);
  e.idx.set(2, 9);
  expect_refused(e, s, StatusCode::kDataFault, "F8 at b = 1");
  e.nc.set(3, -4);
  expect_refused(e, s, StatusCode::kDataFault, "F3 at b = 1");
}

TEST(PostUpdate, ArgumentErrorsByClass) {
  double floats[4] = {};
  std::vector<int64_t> strided(8, 0);
  const std::vector<std::pair<StatusCode, PostUpdateCase>> cases = {
      {StatusCode::kNullPointer, {"missing sampled_tokens", false,
        [](PostUpdateExample&, PostUpdateStep& s) { s.sampled_tokens = TensorView{}; }, "sampled_tokens is required"}},
      {StatusCode::kNullPointer, {"total_len alone", false, [](PostUpdateExample&, PostUpdateStep& s) {
         s.all_token_ids = TensorView{};
       }, "all_token_ids is required when total_len is given"}},
      {StatusCode::kNullPointer, {"all_token_ids alone", false, [](PostUpdateExample&, PostUpdateStep& s) {
         s.total_len = TensorView{};
       }, "total_len is required when all_token_ids is given"}},
      {StatusCode::kInvalidArgument, {"float dtype", false, [&](PostUpdateExample&, PostUpdateStep& s) {
         s.num_rejected.data = floats;
         s.num_rejected.dtype = DType::kFloat64;
       }, "num_rejected has an unsupported dtype (expected int32 or int64, got float64)"}},
      {StatusCode::kOutOfRange, {"K = 0", false, [](PostUpdateExample& e, PostUpdateStep& s) {
         s.sampled_tokens = view(e.sampled.wide.data(), {3, 0});
       }, "sampled_tokens must be 2-D [R, K] with R >= 3 and K >= 1"}},
      {StatusCode::kOutOfRange, {"num_sampled shorter than R", false, [](PostUpdateExample& e, PostUpdateStep& s) {
         s.num_sampled = view(e.num_sampled.wide.data(), {2});
       }, "num_sampled must be 1-D with at least R = 3 elements"}},
      {StatusCode::kOutOfRange, {"qsl shorter than R + 1", false, [](PostUpdateExample& e, PostUpdateStep& s) {
         s.query_start_loc = view(e.qsl.wide.data(), {3});
       }, "query_start_loc must be 1-D with at least R + 1 = 4 elements"}},
      {StatusCode::kOutOfRange, {"last_sampled_tokens [Rmax, 2]", false, [](PostUpdateExample& e, PostUpdateStep& s) {
         s.last_sampled_tokens = view(e.last.wide.data(), {2, 2});
       }, "last_sampled_tokens must be [Rmax] or [Rmax, 1]"}},
      {StatusCode::kOutOfRange, {"1-D history", false, [](PostUpdateExample& e, PostUpdateStep& s) {
         s.all_token_ids = e.history.vec();
       }, "all_token_ids must be 2-D [Rmax, Wt]"}},
      {StatusCode::kInvalidArgument, {"state overlapping an input", false, [](PostUpdateExample& e, PostUpdateStep& s) {
         s.num_computed_tokens = view(e.num_sampled.wide.data(), {3});
       }, "num_computed_tokens overlaps num_sampled"}},
      {StatusCode::kInvalidArgument, {"strided state", false, [&](PostUpdateExample&, PostUpdateStep& s) {
         s.num_computed_tokens = view(strided.data(), {4});
         s.num_computed_tokens.strides[0] = 2;
       }, "num_computed_tokens must be contiguous"}},
      {StatusCode::kInvalidArgument, {"tensors on two devices", false, [](PostUpdateExample&, PostUpdateStep& s) {
         s.num_rejected.device = Device::kCuda;
       }, "num_rejected must be on the device of idx_mapping"}},
  };
  for (const auto& [code, c] : cases) {
    PostUpdateExample e(c.narrow);
    PostUpdateStep s = e.step(true);
    c.plant(e, s);
    SCOPED_TRACE(c.name);
    expect_refused(e, s, code, c.text);
  }
}

}  // namespace
}  // namespace advstep::testing
