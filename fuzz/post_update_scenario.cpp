// The prepare-step fuzz harness's post_update scenario (prepare_step.md section 3.3): a call built from the
// input, then, when it throws, every tensor unchanged, and when it succeeds, the read-only tensors unchanged
// and the state equal to this file's own walk: for each batch row b with r = idx_mapping[b] >= 0,
// last_sampled_tokens[r] = sampled_tokens[b, n - 1] when n > 0, the history appended and total_len grown by
// n, num_computed_tokens[r] += L_b - rho; the walk also asserts the call had no reason to fault (a state
// row outside [0, Rmax) or named twice, n outside [0, K], rho outside [0, L_b], a history past its width,
// a value that does not fit its tensor).
#include <string>
#include <vector>

#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"
#include "prepare_step_tensors.hpp"

namespace advstep_fuzz {

void fuzz_post_update(Source& src) {
  const int64_t R = src.in(0, 6), Rmax = src.in(1, 8), K = src.in(0, 3), width = src.in(0, 6);
  Tensor idx = src.tensor({R}, true, [&](int64_t, int64_t, bool n) {
    return src.rarely() ? src.value(-1, Rmax, n) : src.in(-1, Rmax - 1);
  });
  const bool with_qsl = src.coin(), history = src.coin();
  std::vector<int64_t> lengths;
  int64_t running = 0;
  Tensor qsl = with_qsl ? src.tensor({R + 1 + src.in(0, 1)}, true,
                                     [&](int64_t i, int64_t, bool n) {
                                       if (i > 0 && i <= R) {
                                         lengths.push_back(src.in(0, 4));
                                         running += lengths.back();
                                       }
                                       return src.rarely() ? src.value(0, 9, n) : running;
                                     })
                        : Tensor();
  Tensor sampled = src.tensor({R, K}, true, [&](int64_t, int64_t, bool n) { return src.value(0, 1000, n); });
  Tensor num_sampled = src.tensor({R}, true, [&](int64_t, int64_t, bool n) { return src.value(0, K, n); });
  Tensor num_rejected = src.tensor({R}, true, [&](int64_t b, int64_t, bool n) {
    const int64_t length = b < static_cast<int64_t>(lengths.size()) ? lengths[static_cast<size_t>(b)] : 0;
    return src.rarely() ? src.value(0, 5, n) : src.in(0, length);
  });
  // The state: in and out, so contiguous; now and then a tensor of another length.
  auto state = [&](std::vector<int64_t> shape, int64_t low, int64_t high) {
    if (src.rarely()) shape[0] = std::max<int64_t>(0, shape[0] + src.in(-1, 1));
    return src.tensor(std::move(shape), false, [&](int64_t, int64_t, bool n) { return src.value(low, high, n); });
  };
  Tensor nc = state({Rmax}, 0, 40);
  const bool last_column = src.coin();
  Tensor last = state(last_column ? std::vector<int64_t>{Rmax, 1} : std::vector<int64_t>{Rmax}, 0, 1000);
  Tensor total_len = history || src.rarely() ? state({Rmax}, 0, width) : Tensor();
  Tensor all_ids = history ? state({Rmax, width}, 0, 1000) : Tensor();

  advstep::PostUpdateStep step;
  step.idx_mapping = idx.view();
  step.num_computed_tokens = nc.view();
  step.last_sampled_tokens = last.view();
  step.sampled_tokens = sampled.view();
  step.num_sampled = num_sampled.view();
  step.num_rejected = num_rejected.view();
  step.query_start_loc = qsl.view();
  step.total_len = total_len.view();
  step.all_token_ids = all_ids.view();
  bool must_refuse = false;
  if (src.rarely() && Rmax > 1) {  // the state aliasing another output
    step.last_sampled_tokens = step.num_computed_tokens;
    must_refuse = nc.narrow() == last.narrow();
  }

  std::vector<Tensor*> read_only = {&idx, &qsl, &sampled, &num_sampled, &num_rejected};
  std::vector<Tensor*> outputs = {&nc, &last, &total_len, &all_ids};
  std::vector<std::vector<unsigned char>> before;
  for (const Tensor* t : read_only) before.push_back(t->snapshot());
  for (const Tensor* t : outputs) before.push_back(t->snapshot());
  std::vector<std::vector<int64_t>> want;
  for (const Tensor* t : outputs) want.push_back(t->logical());
  const std::vector<int64_t> nc_in = want[0], total_in = want[2];  // the state as read at the call's start
  auto expect = [&](size_t out, int64_t k, Wide value, const char* what) {
    if (k < 0 || static_cast<size_t>(k) >= want[out].size())
      fail(std::string("accepted a state too short for ") + what);
    if (!outputs[out]->fits(value)) fail(std::string("accepted a ") + what + " that does not fit its tensor (F6)");
    want[out][static_cast<size_t>(k)] = static_cast<int64_t>(value);
  };

  try {
    advstep::post_update(step);
  } catch (const advstep::Error& error) {
    ++(error.is_data_fault() ? outcomes().faults : outcomes().refused);
    for (size_t k = 0; k < read_only.size(); ++k) {
      if (read_only[k]->snapshot() != before[k]) fail("a tensor was written by a call that threw");
    }
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (outputs[k]->snapshot() != before[read_only.size() + k]) fail("a tensor was written by a call that threw");
    }
    return;
  }
  ++outcomes().compared;
  if (must_refuse) fail("accepted last_sampled_tokens aliasing num_computed_tokens");
  for (size_t k = 0; k < read_only.size(); ++k) {
    if (read_only[k]->snapshot() != before[k]) fail("a read-only tensor was written");
  }
  if (K < 1) fail("accepted sampled_tokens of width 0");
  if (total_len.given() != all_ids.given()) fail("accepted total_len without all_token_ids or the reverse");
  int64_t rmax_seen = std::min(nc.rows(), last.rows());
  if (history) rmax_seen = std::min({rmax_seen, total_len.rows(), all_ids.rows()});
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(rmax_seen, 0)), false);
  if (with_qsl && (qsl.at(0) != 0)) fail("accepted query_start_loc[0] != 0 (F2)");
  for (int64_t b = 0; b < R; ++b) {
    const int64_t r = idx.at(b);
    if (r < 0) continue;  // a skipped row
    if (r >= rmax_seen) fail("accepted a state row outside [0, Rmax) (F1)");
    if (seen[static_cast<size_t>(r)]) fail("accepted one state row in two batch rows (F1)");
    seen[static_cast<size_t>(r)] = true;
    const int64_t n = num_sampled.at(b), rho = num_rejected.at(b);
    const int64_t length = with_qsl ? qsl.at(b + 1) - qsl.at(b) : 0;
    if (length < 0) fail("accepted a decreasing query_start_loc (F2)");
    if (n < 0 || n > K) fail("accepted num_sampled outside [0, K] (F8)");
    if (rho < 0 || rho > length) fail("accepted num_rejected outside [0, L] (F8)");
    expect(0, r, Wide{nc_in[static_cast<size_t>(r)]} + length - rho, "num_computed_tokens");
    if (n == 0) continue;
    expect(1, r, sampled.at(b, n - 1), "last sampled token");
    if (!history) continue;
    const int64_t start = total_in[static_cast<size_t>(r)];
    if (start < 0 || start + n > all_ids.cols()) fail("accepted a history past its width (F8)");
    for (int64_t i = 0; i < n; ++i) expect(3, r * all_ids.cols() + start + i, sampled.at(b, i), "history token");
    expect(2, r, Wide{start} + n, "total_len");
  }
  static const char* const kNames[] = {"num_computed_tokens", "last_sampled_tokens", "total_len", "all_token_ids"};
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::vector<int64_t> got = outputs[k]->logical();
    for (size_t e = 0; e < got.size(); ++e) {
      if (got[e] != want[k][e]) {
        fail(std::string(kNames[k]) + "[" + std::to_string(e) + "] = " + std::to_string(got[e]) + ", the walk gives " +
             std::to_string(want[k][e]));
      }
    }
  }
}

}  // namespace advstep_fuzz
