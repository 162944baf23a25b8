// The prepare-step fuzz harness's advance_drafts scenario (prepare_step.md sections 2 and 3.2, rules 10.1,
// 10.9): a call built from the input, then, when it throws, every tensor unchanged, and when it succeeds,
// the read-only tensors unchanged and each output equal to this file's own walk: P = pos_in[t] + delta_b
// (clamped, or padded to 0 with slot -1, above pos_cap), seq_lens[b] = min(seq_base[b] - seq_sub[b] +
// delta_b, seq_cap) (1 for a padded row), the bonus token then the drafts, the slots, the tails, and
// query_start_loc rewritten to min(i, R) when asked. The walk also asserts that the call had no reason to
// fault (a table row outside [0, Rmax), a bad query_start_loc, a negative P or length source, a row longer
// than 1 + S, pad on a row that is not one token, a block index past the bound, a negative block id, a
// sampled row starting with -1, a value that does not fit its output).
#include <string>
#include <vector>

#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"
#include "prepare_step_tensors.hpp"

namespace advstep_fuzz {

void fuzz_advance_drafts(Source& src) {
  const int64_t R = src.in(0, 6), Rmax = src.in(1, 8), M = src.in(0, 12), G = src.in(1, 2), S = src.in(0, 3);
  static constexpr int64_t kBlockSizes[] = {1, 2, 4, 16, int64_t{1} << 31, INT64_MAX};
  std::vector<int64_t> sizes;
  std::vector<Tensor> tables;
  for (int64_t g = 0; g < G; ++g) {
    sizes.push_back(kBlockSizes[src.in(0, 5)]);
    tables.push_back(src.tensor({Rmax + src.in(0, 1), src.in(0, 5)}, true,
                                [&](int64_t, int64_t, bool n) { return src.value(0, 60, n); }));
  }
  const bool rewrite = src.coin();
  Tensor idx = src.tensor({R}, true, [&](int64_t, int64_t, bool n) { return src.value(0, Rmax - 1, n); });
  int64_t running = 0;
  Tensor qsl = src.tensor({R + 1 + src.in(0, 2)}, false, [&](int64_t i, int64_t, bool n) {
    if (i > R) return src.value(0, M, n);
    if (i > 0) running += src.in(0, 1 + S);
    return src.rarely() ? src.value(0, M, n) : running;
  });
  auto vector = [&](int64_t length, bool input, int64_t low, int64_t high) {
    return src.tensor({std::max<int64_t>(0, length + (src.rarely() ? src.in(-1, 1) : 0))}, input,
                      [&](int64_t, int64_t, bool n) { return src.value(low, high, n); });
  };
  Tensor positions = vector(M, false, 0, 30);
  Tensor pos_in = src.coin() ? vector(M, true, 0, 30) : Tensor();
  Tensor input_ids = vector(M, false, -5, -5);
  Tensor slots = src.tensor(G == 1 && src.coin() ? std::vector<int64_t>{M} : std::vector<int64_t>{G, M}, false,
                            [](int64_t, int64_t, bool) { return int64_t{-5}; });
  const int choice = static_cast<int>(src.in(0, 7));  // 0..3 tokens, 4..6 sampled, 7 both or neither
  const bool use_tokens = choice <= 3 || (choice == 7 && src.coin());
  const bool use_sampled = (choice >= 4 && choice <= 6) || (choice == 7 && use_tokens);
  Tensor tokens = use_tokens ? vector(R, true, 0, 1000) : Tensor();
  const int64_t K = src.in(1, 3);
  Tensor sampled = use_sampled ? src.tensor({R, K}, true,
                                            [&](int64_t, int64_t c, bool n) {
                                              return src.rarely() || (c > 0 && src.coin()) ? -1 : src.value(0, 1000, n);
                                            })
                               : Tensor();
  Tensor drafts = src.coin()
                      ? src.tensor({Rmax, S}, true, [&](int64_t, int64_t, bool n) { return src.value(0, 1000, n); })
                      : Tensor();
  const bool per_row_delta = src.coin();
  Tensor delta = per_row_delta ? vector(R, true, 0, 2) : Tensor();
  const int64_t scalar_delta = src.in(0, 2);
  const int64_t Rs = R + src.in(0, 2);
  Tensor seq_lens = src.coin() ? vector(Rs, false, 0, 30) : Tensor();
  Tensor seq_base = src.coin() ? vector(R, true, 0, 30) : Tensor();
  Tensor seq_sub = src.coin() ? vector(R, true, 0, 2) : Tensor();
  Tensor token_lens = src.coin() ? vector(M, false, -5, -5) : Tensor();

  advstep::AdvanceDraftsStep step;
  step.idx_mapping = idx.view();
  step.query_start_loc = qsl.view();
  step.positions = positions.view();
  step.input_ids = input_ids.view();
  step.slot_mapping = slots.view();
  for (const Tensor& t : tables) step.block_tables.push_back(t.view());
  step.block_size = sizes;
  step.delta = scalar_delta;
  step.delta_per_row = delta.view();
  step.tokens = tokens.view();
  step.sampled_token_ids = sampled.view();
  step.draft_tokens = drafts.view();
  step.pos_in = pos_in.view();
  step.seq_lens = seq_lens.view();
  step.seq_base = seq_base.view();
  step.seq_sub = seq_sub.view();
  step.token_seq_lens = token_lens.view();
  if (src.coin()) step.pos_cap = src.in(0, 30);
  if (src.coin()) step.seq_cap = src.in(1, 30);
  // pad needs pos_cap (an argument error without): mostly asked with one.
  step.on_cap = (step.pos_cap && src.coin()) || src.rarely() ? advstep::OnCap::kPad : advstep::OnCap::kClamp;
  step.rewrite_query_start_loc = rewrite;
  step.bound = src.coin() ? advstep::BlockBound::kRow : advstep::BlockBound::kTable;
  step.seq_lens_tail = src.coin() ? advstep::SeqLensTail::kKeep : advstep::SeqLensTail::kZero;
  const bool must_refuse = use_tokens == use_sampled;

  std::vector<Tensor*> read_only = {&idx, &pos_in, &tokens, &sampled, &drafts, &delta, &seq_base, &seq_sub};
  for (Tensor& t : tables) read_only.push_back(&t);
  std::vector<Tensor*> outputs = {&qsl, &positions, &input_ids, &slots, &seq_lens, &token_lens};
  std::vector<std::vector<unsigned char>> before;
  for (const Tensor* t : read_only) before.push_back(t->snapshot());
  for (const Tensor* t : outputs) before.push_back(t->snapshot());
  std::vector<std::vector<int64_t>> want;
  for (const Tensor* t : outputs) want.push_back(t->logical());
  const std::vector<int64_t> qsl_in = qsl.logical(), positions_in = positions.logical(), seq_in = seq_lens.logical();
  auto expect = [&](size_t out, int64_t k, Wide value, const char* what) {
    if (k < 0 || static_cast<size_t>(k) >= want[out].size())
      fail(std::string("accepted an output too short for ") + what);
    if (!outputs[out]->fits(value)) fail(std::string("accepted a ") + what + " that does not fit its output (F6)");
    want[out][static_cast<size_t>(k)] = static_cast<int64_t>(value);
  };

  try {
    advstep::advance_drafts(step);
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
  if (must_refuse) fail("accepted both or neither of tokens and sampled_token_ids");
  for (size_t k = 0; k < read_only.size(); ++k) {
    if (read_only[k]->snapshot() != before[k]) fail("a read-only tensor was written");
  }
  int64_t rmax_seen = drafts.given() ? drafts.rows() : INT64_MAX;
  for (const Tensor& t : tables) rmax_seen = std::min(rmax_seen, t.rows());
  const int64_t tokens_m = positions.numel();
  for (const Tensor* t : {&tokens, &delta, &seq_base, &seq_sub, &sampled}) {
    if (t->given() && t->rows() < R) fail("accepted a per-row input shorter than R");
  }
  if (seq_lens.given() && seq_lens.numel() < R) fail("accepted seq_lens shorter than R");
  auto start = [&](int64_t b) { return rewrite ? std::min(b, R) : qsl_in[static_cast<size_t>(b)]; };
  if (rewrite) {
    for (int64_t i = 0; i < qsl.numel(); ++i) expect(0, i, std::min(i, R), "rewritten query_start_loc");
  }
  const int64_t T = start(R);
  if (start(0) != 0 || T > tokens_m) fail("accepted a query_start_loc past the buffers (F2)");
  if (pos_in.given() && pos_in.numel() < T) fail("accepted pos_in shorter than the batch's tokens");
  const int64_t width_s = drafts.given() ? drafts.cols() : 0;
  for (int64_t b = 0; b < R; ++b) {
    const int64_t r = idx.at(b), qs = start(b), qe = start(b + 1), length = qe - qs;
    if (r < 0 || r >= rmax_seen) fail("accepted a table row outside [0, Rmax) (F1)");
    if (length < 0) fail("accepted a decreasing query_start_loc (F2)");
    if (length - 1 > width_s) fail("accepted a row longer than 1 + S (F4)");
    if (step.on_cap == advstep::OnCap::kPad && length != 1) fail("accepted pad on a row that is not one token (F4)");
    const Wide d = per_row_delta ? Wide{delta.at(b)} : Wide{scalar_delta};
    bool capped = false;
    for (int64_t t = qs; t < qe; ++t) {
      Wide p = Wide{pos_in.given() ? pos_in.at(t) : positions_in[static_cast<size_t>(t)]} + d;
      if (p < 0) fail("accepted a negative position (F3)");
      if (step.pos_cap && p > *step.pos_cap) {
        capped = step.on_cap == advstep::OnCap::kPad;
        p = capped ? 0 : *step.pos_cap;
      }
      expect(1, t, p, "position");
      if (token_lens.given()) expect(5, t, p + 1, "token_seq_lens");
      if (t == qs) {
        int64_t bonus = 0;
        if (use_tokens) {
          bonus = tokens.at(b);
        } else {
          if (sampled.at(b, 0) == -1) fail("accepted a sampled row starting with -1 (F7)");
          for (int64_t c = 0; c < K && sampled.at(b, c) != -1; ++c) bonus = sampled.at(b, c);
        }
        expect(2, t, bonus, "bonus token");
      } else {
        expect(2, t, drafts.at(r, t - qs - 1), "draft token");
      }
      for (int64_t g = 0; g < G; ++g) {
        const Tensor& table = tables[static_cast<size_t>(g)];
        const Wide size = sizes[static_cast<size_t>(g)], k = p / size;
        Wide slot = -1;
        if (!capped) {
          const Wide cell = Wide{r} * table.cols() + k;
          const bool in_bound = step.bound == advstep::BlockBound::kRow ? k < table.cols() : cell < table.numel();
          if (!in_bound) fail("accepted a block index past the bound (F5)");
          const int64_t block = table.flat(static_cast<int64_t>(cell));
          if (block < 0) fail("accepted a negative block id (F5)");
          slot = Wide{block} * size + p % size;
        }
        expect(3, g * tokens_m + t, slot, "slot");
      }
    }
    if (seq_lens.given()) {
      const Wide source = Wide{seq_base.given() ? seq_base.at(b) : seq_in[static_cast<size_t>(b)]} -
                          (seq_sub.given() ? seq_sub.at(b) : 0);
      if (source < 0) fail("accepted a negative length source (F3)");
      Wide length_b = source + d;
      if (step.seq_cap && length_b > *step.seq_cap) length_b = *step.seq_cap;
      expect(4, b, capped ? 1 : length_b, "seq_lens");
    }
  }
  for (int64_t g = 0; g < G; ++g) {
    for (int64_t t = T; t < tokens_m; ++t) expect(3, g * tokens_m + t, -1, "slot tail");
  }
  if (seq_lens.given() && step.seq_lens_tail == advstep::SeqLensTail::kZero) {
    for (int64_t b = R; b < seq_lens.numel(); ++b) expect(4, b, 0, "seq_lens tail");
  }
  static const char* const kNames[] = {"query_start_loc", "positions", "input_ids",
                                       "slot_mapping",    "seq_lens",  "token_seq_lens"};
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
