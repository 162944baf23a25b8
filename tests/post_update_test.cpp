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
#include "support/host_values.hpp"

namespace advstep::testing {
namespace {

/// Spec Ex 2 after its prepare step: idx = [1, 3, 0], qsl = [0, 5, 8, 10]; the sampler gave
/// rows [.], [301, 350], [201, 260], so n = [0, 2, 2] and rho = [0, 1, 0]. A history of width 6
/// (total_len = [3, 1, 0, 2]) rides along when asked.
struct Example2 {
  bool narrow;
  HostValues idx{{1, 3, 0}, narrow}, qsl{{0, 5, 8, 10}, narrow};
  HostValues nc{{12, 4, 0, 7}, narrow}, last{{200, 0, 0, 300}, narrow};
  HostValues sampled{{-1, -1, 301, 350, 201, 260}, narrow};
  HostValues num_sampled{{0, 2, 2}, narrow}, num_rejected{{0, 1, 0}, narrow};
  HostValues total_len{{3, 1, 0, 2}, narrow}, history{Values(24, -9), narrow};

  explicit Example2(bool as_int32 = false) : narrow(as_int32) {}

  PostUpdateStep step(bool with_history = false) {
    PostUpdateStep s;
    s.idx_mapping = idx.vec();
    s.num_computed_tokens = nc.vec();
    s.last_sampled_tokens = last.mat(4);  // [Rmax, 1], as vLLM holds it
    s.sampled_tokens = sampled.mat(3);
    s.num_sampled = num_sampled.vec();
    s.num_rejected = num_rejected.vec();
    s.query_start_loc = qsl.vec();
    if (with_history) {
      s.total_len = total_len.vec();
      s.all_token_ids = history.mat(4);
    }
    return s;
  }
  [[nodiscard]] std::vector<Values> state() const {
    return {nc.values(), last.values(), total_len.values(), history.values()};
  }
};

TEST(PostUpdate, Example2RaggedBatchWithOneRejection) {
  for (const bool narrow : {false, true}) {
    Example2 e(narrow);
    post_update(e.step());
    EXPECT_EQ(e.nc.values(), (Values{14, 9, 0, 9}));
    EXPECT_EQ(e.last.values(), (Values{260, 0, 0, 350}));
  }
}

TEST(PostUpdate, Example2WithTheTokenHistory) {
  Example2 e;
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
  Example2 e;
  e.num_rejected.set(1, 0);
  PostUpdateStep s = e.step();
  s.query_start_loc = TensorView{};
  post_update(s);
  EXPECT_EQ(e.nc.values(), (Values{12, 4, 0, 7}));
  EXPECT_EQ(e.last.values(), (Values{260, 0, 0, 350}));
}

TEST(PostUpdate, NegativeRowsAreSkippedAndNotValidated) {
  Example2 e;
  e.idx.set(1, -1);
  e.num_sampled.set(1, 99);    // would be F8 in a row that is not skipped
  e.num_rejected.set(1, -5);
  post_update(e.step(true));
  EXPECT_EQ(e.nc.values(), (Values{14, 9, 0, 7}));
  EXPECT_EQ(e.last.values(), (Values{260, 0, 0, 300}));
  EXPECT_EQ(e.total_len.values(), (Values{5, 1, 0, 2}));
}

TEST(PostUpdate, InputsMayBeViewsAndLongerThanR) {
  // num_sampled read with stride 2 from a padded buffer; sampled_tokens with more rows than R.
  Example2 e;
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

void expect_refused(Example2& e, const PostUpdateStep& s, StatusCode code, const std::string& text) {
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

struct Case {
  const char* name;
  bool narrow;  ///< the state (and every tensor) as int32
  std::function<void(Example2&, PostUpdateStep&)> plant;
  const char* text;
};

TEST(PostUpdate, EveryDataFaultClassWritesNothing) {
  const std::vector<Case> cases = {
      {"row index past Rmax", false, [](Example2& e, PostUpdateStep&) { e.idx.set(2, 4); },
       "F1 at b = 2, r = 4: idx_mapping[2] = 4 is outside the state's rows [0, 4)"},
      {"two rows, one state row", false, [](Example2& e, PostUpdateStep&) { e.idx.set(2, 3); },
       "F1 at b = 2, r = 3: rows 1 and 2 both update state row 3"},
      {"Rmax from the shortest state", false, [](Example2& e, PostUpdateStep& s) {
         s.total_len = view(e.total_len.wide.data(), {3});
         s.all_token_ids = e.history.mat(4);
       }, "F1 at b = 1, r = 3"},
      {"qsl[0] not 0", false, [](Example2& e, PostUpdateStep&) { e.qsl.set(0, 1); }, "F2 at b = 0"},
      {"decreasing qsl", false, [](Example2& e, PostUpdateStep&) { e.qsl.set(2, 4); },
       "F2 at b = 1: query_start_loc decreases: [1] = 5 > [2] = 4"},
      {"negative nc", false, [](Example2& e, PostUpdateStep&) { e.nc.set(3, -1); },
       "F3 at b = 1, r = 3: num_computed_tokens[3] = -1 is negative"},
      {"nc past int32", true, [](Example2& e, PostUpdateStep&) { e.nc.set(0, INT32_MAX); },
       "F6 at b = 2, r = 0: num_computed_tokens[0] + L - num_rejected[2] = 2147483647 + 2 - 0 does not fit int32"},
      {"nc past int64 (F6 before F8)", false, [](Example2& e, PostUpdateStep&) { e.num_rejected.set(1, INT64_MIN); },
       "F6 at b = 1, r = 3"},
      {"last token past int32", true, [](Example2& e, PostUpdateStep& s) {
         e.sampled = HostValues({-1, -1, 301, int64_t{1} << 40, 201, 260});
         s.sampled_tokens = e.sampled.mat(3);
       }, "F6 at b = 1, r = 3: last_sampled_tokens[3] = sampled_tokens[1, 1] = 1099511627776 does not fit int32"},
      {"total_len past int32", true, [](Example2& e, PostUpdateStep& s) {
         e.total_len.set(0, INT32_MAX);
         s = e.step(true);
       }, "F6 at b = 2, r = 0: total_len[0] + num_sampled[2] = 2147483647 + 2 does not fit int32"},
      {"history token past int32", true, [](Example2& e, PostUpdateStep& s) {
         e.sampled = HostValues({-1, -1, int64_t{1} << 33, 350, 201, 260});
         s = e.step(true);
         s.sampled_tokens = e.sampled.mat(3);
       }, "F6 at b = 1, r = 3: all_token_ids[3, ...] = sampled_tokens[1, 0] = 8589934592 does not fit int32"},
      {"n above K", false, [](Example2& e, PostUpdateStep&) { e.num_sampled.set(1, 3); },
       "F8 at b = 1, r = 3: num_sampled[1] = 3 is outside [0, K = 2]"},
      {"negative n", false, [](Example2& e, PostUpdateStep&) { e.num_sampled.set(0, -1); },
       "F8 at b = 0, r = 1: num_sampled[0] = -1"},
      {"rho above L", false, [](Example2& e, PostUpdateStep&) { e.num_rejected.set(2, 3); },
       "F8 at b = 2, r = 0: num_rejected[2] = 3 is outside [0, L = 2]"},
      {"rho without qsl", false, [](Example2&, PostUpdateStep& s) { s.query_start_loc = TensorView{}; },
       "F8 at b = 1, r = 3: num_rejected[1] = 1 is not 0 (no query_start_loc)"},
      {"history past its width", false, [](Example2& e, PostUpdateStep& s) {
         e.total_len.set(3, 5);
         s = e.step(true);
       }, "F8 at b = 1, r = 3: history write [5, 7)"},
      {"negative total_len", false, [](Example2& e, PostUpdateStep& s) {
         e.total_len.set(0, -1);
         s = e.step(true);
       }, "F8 at b = 2, r = 0: history write [-1, 1)"},
  };
  for (const Case& c : cases) {
    Example2 e(c.narrow);
    PostUpdateStep s = e.step();
    c.plant(e, s);
    SCOPED_TRACE(c.name);
    expect_refused(e, s, StatusCode::kDataFault, c.text);
  }
}

TEST(PostUpdate, TheFirstFaultInRowOrderIsReported) {
  // Row 1's F8 comes before row 2's F1; within row 1, F3 before F8.
  Example2 e;
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
  const std::vector<std::pair<StatusCode, Case>> cases = {
      {StatusCode::kNullPointer, {"missing sampled_tokens", false,
        [](Example2&, PostUpdateStep& s) { s.sampled_tokens = TensorView{}; }, "sampled_tokens is required"}},
      {StatusCode::kNullPointer, {"total_len alone", false, [](Example2&, PostUpdateStep& s) {
         s.all_token_ids = TensorView{};
       }, "all_token_ids is required when total_len is given"}},
      {StatusCode::kNullPointer, {"all_token_ids alone", false, [](Example2&, PostUpdateStep& s) {
         s.total_len = TensorView{};
       }, "total_len is required when all_token_ids is given"}},
      {StatusCode::kInvalidArgument, {"float dtype", false, [&](Example2&, PostUpdateStep& s) {
         s.num_rejected.data = floats;
         s.num_rejected.dtype = DType::kFloat64;
       }, "num_rejected has an unsupported dtype (expected int32 or int64, got float64)"}},
      {StatusCode::kOutOfRange, {"K = 0", false, [](Example2& e, PostUpdateStep& s) {
         s.sampled_tokens = view(e.sampled.wide.data(), {3, 0});
       }, "sampled_tokens must be 2-D [R, K] with R >= 3 and K >= 1"}},
      {StatusCode::kOutOfRange, {"num_sampled shorter than R", false, [](Example2& e, PostUpdateStep& s) {
         s.num_sampled = view(e.num_sampled.wide.data(), {2});
       }, "num_sampled must be 1-D with at least R = 3 elements"}},
      {StatusCode::kOutOfRange, {"qsl shorter than R + 1", false, [](Example2& e, PostUpdateStep& s) {
         s.query_start_loc = view(e.qsl.wide.data(), {3});
       }, "query_start_loc must be 1-D with at least R + 1 = 4 elements"}},
      {StatusCode::kOutOfRange, {"last_sampled_tokens [Rmax, 2]", false, [](Example2& e, PostUpdateStep& s) {
         s.last_sampled_tokens = view(e.last.wide.data(), {2, 2});
       }, "last_sampled_tokens must be [Rmax] or [Rmax, 1]"}},
      {StatusCode::kOutOfRange, {"1-D history", false, [](Example2& e, PostUpdateStep& s) {
         s.all_token_ids = e.history.vec();
       }, "all_token_ids must be 2-D [Rmax, Wt]"}},
      {StatusCode::kInvalidArgument, {"state overlapping an input", false, [](Example2& e, PostUpdateStep& s) {
         s.num_computed_tokens = view(e.num_sampled.wide.data(), {3});
       }, "num_computed_tokens overlaps num_sampled"}},
      {StatusCode::kInvalidArgument, {"strided state", false, [&](Example2&, PostUpdateStep& s) {
         s.num_computed_tokens = view(strided.data(), {4});
         s.num_computed_tokens.strides[0] = 2;
       }, "num_computed_tokens must be contiguous"}},
      {StatusCode::kInvalidArgument, {"tensors on two devices", false, [](Example2&, PostUpdateStep& s) {
         s.num_rejected.device = Device::kCuda;
       }, "num_rejected must be on the device of idx_mapping"}},
  };
  for (const auto& [code, c] : cases) {
    Example2 e(c.narrow);
    PostUpdateStep s = e.step(true);
    c.plant(e, s);
    SCOPED_TRACE(c.name);
    expect_refused(e, s, code, c.text);
  }
}

}  // namespace
}  // namespace advstep::testing
