// Shared by the host and GPU tests of post_update (post_update_test.cpp, cuda_post_update_test.cpp):
// spec Ex 2's update as host tensors, and one planted case per data fault rule.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "advstep/advance_step.hpp"
#include "support/host_values.hpp"

namespace advstep::testing {

/// Spec Ex 2 after its prepare step: idx = [1, 3, 0], qsl = [0, 5, 8, 10]; the sampler gave
/// rows [.], [301, 350], [201, 260], so n = [0, 2, 2] and rho = [0, 1, 0]. A history of width 6
/// (total_len = [3, 1, 0, 2]) rides along when asked.
struct PostUpdateExample {
  bool narrow;
  HostValues idx{{1, 3, 0}, narrow}, qsl{{0, 5, 8, 10}, narrow};
  HostValues nc{{12, 4, 0, 7}, narrow}, last{{200, 0, 0, 300}, narrow};
  HostValues sampled{{-1, -1, 301, 350, 201, 260}, narrow};
  HostValues num_sampled{{0, 2, 2}, narrow}, num_rejected{{0, 1, 0}, narrow};
  HostValues total_len{{3, 1, 0, 2}, narrow}, history{Values(24, -9), narrow};

  explicit PostUpdateExample(bool as_int32 = false) : narrow(as_int32) {}

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

struct PostUpdateCase {
  const char* name;
  bool narrow;  ///< the state (and every tensor) as int32
  std::function<void(PostUpdateExample&, PostUpdateStep&)> plant;
  const char* text;
};

/// One case per data fault rule of post_update, each with the text its message must hold.
inline std::vector<PostUpdateCase> post_update_fault_cases() {
  return {
      {"row index past Rmax", false, [](PostUpdateExample& e, PostUpdateStep&) { e.idx.set(2, 4); },
       "F1 at b = 2, r = 4: idx_mapping[2] = 4 is outside the state's rows [0, 4)"},
      {"two rows, one state row", false, [](PostUpdateExample& e, PostUpdateStep&) { e.idx.set(2, 3); },
       "F1 at b = 2, r = 3: rows 1 and 2 both update state row 3"},
      {"Rmax from the shortest state", false, [](PostUpdateExample& e, PostUpdateStep& s) {
         s.total_len = view(e.total_len.wide.data(), {3});
         s.all_token_ids = e.history.mat(4);
       }, "F1 at b = 1, r = 3"},
      {"qsl[0] not 0", false, [](PostUpdateExample& e, PostUpdateStep&) { e.qsl.set(0, 1); }, "F2 at b = 0"},
      {"decreasing qsl", false, [](PostUpdateExample& e, PostUpdateStep&) { e.qsl.set(2, 4); },
       "F2 at b = 1: query_start_loc decreases: [1] = 5 > [2] = 4"},
      {"negative nc", false, [](PostUpdateExample& e, PostUpdateStep&) { e.nc.set(3, -1); },
       "F3 at b = 1, r = 3: num_computed_tokens[3] = -1 is negative"},
      {"nc past int32", true, [](PostUpdateExample& e, PostUpdateStep&) { e.nc.set(0, INT32_MAX); },
       "F6 at b = 2, r = 0: num_computed_tokens[0] + L - num_rejected[2] = 2147483647 + 2 - 0 does not fit int32"},
      {"nc past int64 (F6 before F8)", false, [](PostUpdateExample& e, PostUpdateStep&) { e.num_rejected.set(1, INT64_MIN); },
       "F6 at b = 1, r = 3"},
      {"last token past int32", true, [](PostUpdateExample& e, PostUpdateStep& s) {
         e.sampled = HostValues({-1, -1, 301, int64_t{1} << 40, 201, 260});
         s.sampled_tokens = e.sampled.mat(3);
       }, "F6 at b = 1, r = 3: last_sampled_tokens[3] = sampled_tokens[1, 1] = 1099511627776 does not fit int32"},
      {"total_len past int32", true, [](PostUpdateExample& e, PostUpdateStep& s) {
         e.total_len.set(0, INT32_MAX);
         s = e.step(true);
       }, "F6 at b = 2, r = 0: total_len[0] + num_sampled[2] = 2147483647 + 2 does not fit int32"},
      {"history token past int32", true, [](PostUpdateExample& e, PostUpdateStep& s) {
         e.sampled = HostValues({-1, -1, int64_t{1} << 33, 350, 201, 260});
         s = e.step(true);
         s.sampled_tokens = e.sampled.mat(3);
       }, "F6 at b = 1, r = 3: all_token_ids[3, ...] = sampled_tokens[1, 0] = 8589934592 does not fit int32"},
      {"n above K", false, [](PostUpdateExample& e, PostUpdateStep&) { e.num_sampled.set(1, 3); },
       "F8 at b = 1, r = 3: num_sampled[1] = 3 is outside [0, K = 2]"},
      {"negative n", false, [](PostUpdateExample& e, PostUpdateStep&) { e.num_sampled.set(0, -1); },
       "F8 at b = 0, r = 1: num_sampled[0] = -1"},
      {"rho above L", false, [](PostUpdateExample& e, PostUpdateStep&) { e.num_rejected.set(2, 3); },
       "F8 at b = 2, r = 0: num_rejected[2] = 3 is outside [0, L = 2]"},
      {"rho without qsl", false, [](PostUpdateExample&, PostUpdateStep& s) { s.query_start_loc = TensorView{}; },
       "F8 at b = 1, r = 3: num_rejected[1] = 1 is not 0 (no query_start_loc)"},
      {"history past its width", false, [](PostUpdateExample& e, PostUpdateStep& s) {
         e.total_len.set(3, 5);
         s = e.step(true);
       }, "F8 at b = 1, r = 3: history write [5, 7)"},
      {"negative total_len", false, [](PostUpdateExample& e, PostUpdateStep& s) {
         e.total_len.set(0, -1);
         s = e.step(true);
       }, "F8 at b = 2, r = 0: history write [-1, 1)"},
  };
}

}  // namespace advstep::testing
