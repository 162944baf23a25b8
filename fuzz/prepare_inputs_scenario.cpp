// The prepare-step fuzz harness's prepare_inputs scenario (prepare_step.md sections 2 and 3.1): a call built
// from the input, then, when it throws, every tensor unchanged, and when it succeeds, the inputs unchanged and
// each output equal to this file's own walk of the row formulas, which also asserts the call had no reason to
// fault (a state row outside [0, Rmax), a bad query_start_loc or cu_num_logits, a negative
// num_computed_tokens, a block index past the bound, a negative block id, a value that does not fit).
#include <string>
#include <vector>

#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"
#include "prepare_step_tensors.hpp"

namespace advstep_fuzz {

void fuzz_prepare_inputs(Source& src) {
  const int64_t R = src.in(0, 6), Rmax = src.in(1, 8), M = src.in(0, 16), G = src.in(1, 2);
  const int64_t nb = src.rarely() ? src.in(-1, 2) : src.in(0, 1);
  const int64_t S = src.in(0, 3);
  static constexpr int64_t kBlockSizes[] = {1, 2, 3, 4, 16, int64_t{1} << 31, INT64_MAX};
  std::vector<int64_t> widths, sizes;
  for (int64_t g = 0; g < G; ++g) {
    widths.push_back(src.in(0, 5));
    sizes.push_back(src.rarely() ? src.in(-1, 0) : kBlockSizes[src.in(0, 6)]);
  }
  const int64_t cp = src.rarely() ? src.in(1, 4) : 1, rank = src.in(0, cp - 1), interleave = src.in(1, 2);
  auto state_row = [&](int64_t, int64_t, bool n) { return src.value(0, Rmax - 1, n); };
  Tensor idx = src.tensor({R}, true, state_row);
  // query_start_loc: lengths 0..4 accumulated, then its tail (never read) anything.
  int64_t running = 0;
  Tensor qsl = src.tensor({R + 1 + src.in(0, 2)}, true, [&](int64_t i, int64_t, bool n) {
    if (i > R) return src.value(0, M, n);
    if (i > 0) running += src.in(0, 4);
    return src.rarely() ? src.value(0, M, n) : running;
  });
  Tensor nc = src.tensor({Rmax + src.in(0, 1)}, true, [&](int64_t, int64_t, bool n) { return src.value(0, 20, n); });
  const bool tokens = src.coin(), with_cu = src.coin(), with_logits = with_cu && src.coin();
  Tensor last = tokens || src.rarely()
                    ? src.tensor({Rmax}, true, [&](int64_t, int64_t, bool n) { return src.value(0, 1000, n); })
                    : Tensor();
  const bool last_column = src.coin();
  Tensor drafts = src.coin()
                      ? src.tensor({Rmax, S}, true, [&](int64_t, int64_t, bool n) { return src.value(0, 1000, n); })
                      : Tensor();
  Tensor prefill =
      src.coin() ? src.tensor({Rmax}, true, [&](int64_t, int64_t, bool n) { return src.value(0, 12, n); }) : Tensor();
  // cu_num_logits: per row nb .. nb + S logits (a few more or fewer now and then).
  int64_t logits = 0;
  Tensor cu = with_cu ? src.tensor({R + 1}, true,
                                   [&](int64_t i, int64_t, bool n) {
                                     if (i > 0) logits += src.rarely() ? src.in(0, 6) : nb + src.in(0, S);
                                     return src.rarely() ? src.value(0, 8, n) : logits;
                                   })
                      : Tensor();
  std::vector<Tensor> tables;
  for (int64_t g = 0; g < G; ++g) {
    tables.push_back(src.tensor({Rmax + src.in(0, 1), widths[static_cast<size_t>(g)]}, true,
                                [&](int64_t, int64_t, bool n) { return src.value(0, 60, n); }));
  }
  // Outputs: pre-filled with a marker; now and then one of the wrong length.
  auto filled = [&](int64_t length) {
    return src.tensor({std::max<int64_t>(0, length + (src.rarely() ? src.in(-1, 1) : 0))}, false,
                      [](int64_t, int64_t, bool) { return int64_t{-5}; });
  };
  const int64_t Rs = R + src.in(0, 2);
  Tensor positions = filled(M), seq_lens = filled(Rs);
  Tensor slots = src.tensor(G == 1 && src.coin() ? std::vector<int64_t>{M} : std::vector<int64_t>{G, M}, false,
                            [](int64_t, int64_t, bool) { return int64_t{-5}; });
  Tensor input_ids = tokens ? filled(M) : Tensor();
  Tensor logits_out = with_logits ? filled(logits + src.in(0, 2)) : Tensor();
  Tensor token_lens = src.coin() ? filled(M) : Tensor();
  Tensor dcp = src.coin() ? filled(Rs) : Tensor();

  advstep::PrepareInputsStep step;
  step.idx_mapping = idx.view();
  step.query_start_loc = qsl.view();
  step.num_computed_tokens = nc.view();
  for (const Tensor& t : tables) step.block_tables.push_back(t.view());
  step.block_size = sizes;
  step.positions = positions.view();
  step.seq_lens = seq_lens.view();
  step.slot_mapping = slots.view();
  step.input_ids = input_ids.view();
  step.last_sampled_tokens = last.view(last_column);
  step.draft_tokens = drafts.view();
  step.prefill_len = prefill.view();
  step.cu_num_logits = cu.view();
  step.logits_indices = logits_out.view();
  step.token_seq_lens = token_lens.view();
  step.dcp_local_seq_lens = dcp.view();
  step.num_bonus = nb;
  step.cp_size = cp;
  step.cp_rank = rank;
  step.cp_interleave = interleave;
  step.bound = src.coin() ? advstep::BlockBound::kRow : advstep::BlockBound::kTable;
  step.seq_lens_tail = src.coin() ? advstep::SeqLensTail::kZero : advstep::SeqLensTail::kKeep;
  step.token_tail = src.coin() ? advstep::TokenTail::kKeep : advstep::TokenTail::kZero;
  bool must_refuse = false;
  if (src.rarely() && M > 1) {  // an aliased output
    step.token_seq_lens = step.positions;
    must_refuse = true;
  }
  if (src.rarely() && M > 1) {  // a strided (not contiguous) output
    step.positions.strides[0] = 2;
    must_refuse = true;
  }

  std::vector<Tensor*> all = {&idx,       &qsl,      &nc,    &last,      &drafts,     &prefill,    &cu,
                              &positions, &seq_lens, &slots, &input_ids, &logits_out, &token_lens, &dcp};
  for (Tensor& t : tables) all.push_back(&t);
  std::vector<std::vector<unsigned char>> before;
  for (const Tensor* t : all) before.push_back(t->snapshot());
  // The outputs as the harness's own walk of the formulas (sections 2 and 3.1) writes them.
  std::vector<Tensor*> outputs = {&positions, &seq_lens, &slots, &input_ids, &logits_out, &token_lens, &dcp};
  std::vector<std::vector<int64_t>> want;
  for (const Tensor* t : outputs) want.push_back(t->logical());
  auto expect = [&](size_t out, int64_t k, Wide value, const char* what) {
    if (k < 0 || static_cast<size_t>(k) >= want[out].size())
      fail(std::string("accepted an output too short for a ") + what);
    if (!outputs[out]->fits(value)) fail(std::string("accepted a ") + what + " that does not fit its output (F6)");
    want[out][static_cast<size_t>(k)] = static_cast<int64_t>(value);
  };

  try {
    advstep::prepare_inputs(step);
  } catch (const advstep::Error& error) {
    ++(error.is_data_fault() ? outcomes().faults : outcomes().refused);
    for (size_t k = 0; k < all.size(); ++k) {
      if (all[k]->snapshot() != before[k]) fail("a tensor was written by a call that threw");
    }
    return;
  }
  ++outcomes().compared;
  if (must_refuse) fail("accepted an output that aliases another or is not contiguous");
  for (size_t k = 0; k < 7; ++k) {  // the inputs: idx .. cu
    if (all[k]->snapshot() != before[k]) fail("an input was written");
  }
  for (size_t g = 0; g < tables.size(); ++g) {
    if (tables[g].snapshot() != before[14 + g]) fail("a block table was written");
  }
  // What succeeded had valid arguments: the harness's own walk of the formulas.
  if (nb < 0 || nb > 1 || cp < 1) fail("accepted num_bonus or cp_size out of range");
  for (int64_t b_g : sizes) {
    if (b_g < 1) fail("accepted a block_size below 1");
  }
  const int64_t rmax_seen = [&] {
    int64_t rm = nc.rows();
    for (const Tensor* t : {&last, &drafts, &prefill}) {
      if (t->given()) rm = std::min(rm, t->rows());
    }
    for (const Tensor& t : tables) rm = std::min(rm, t.rows());
    return rm;
  }();
  const int64_t T = qsl.at(R);
  if (qsl.at(0) != 0 || T > positions.numel()) fail("accepted a query_start_loc past the buffers (F2)");
  const int64_t tokens_m = positions.numel();
  for (int64_t b = 0; b < R; ++b) {
    const int64_t r = idx.at(b), qs = qsl.at(b), qe = qsl.at(b + 1);
    if (r < 0 || r >= rmax_seen) fail("accepted a state row outside [0, Rmax) (F1)");
    if (qe < qs) fail("accepted a decreasing query_start_loc (F2)");
    const int64_t n = nc.at(r);
    if (n < 0) fail("accepted a negative num_computed_tokens (F3)");
    const Wide s = Wide{n} + (qe - qs);
    expect(1, b, s, "seq_lens");
    if (dcp.given()) {
      const Wide span = Wide{cp} * interleave;
      expect(
          6, b,
          (s / span) * interleave + std::min<Wide>(std::max<Wide>(s % span - Wide{rank} * interleave, 0), interleave),
          "dcp_local_seq_lens");
    }
    for (int64_t t = qs; t < qe; ++t) {
      const Wide p = Wide{n} + (t - qs);
      expect(0, t, p, "position");
      if (token_lens.given()) expect(5, t, p + 1, "token_seq_lens");
      for (int64_t g = 0; g < G; ++g) {
        const Tensor& table = tables[static_cast<size_t>(g)];
        const Wide b_g = sizes[static_cast<size_t>(g)], v = b_g * cp;
        const Wide k = p / v, o = p % v;
        Wide slot = -1;
        if ((o / interleave) % cp == rank) {
          const Wide cell = Wide{r} * table.cols() + k;
          const bool in_bound = step.bound == advstep::BlockBound::kRow ? k < table.cols() : cell < table.numel();
          if (!in_bound) fail("accepted a block index past the bound (F5)");
          const int64_t block = table.flat(static_cast<int64_t>(cell));
          if (block < 0) fail("accepted a negative block id (F5)");
          slot = Wide{block} * b_g + (o / (Wide{interleave} * cp)) * interleave + o % interleave;
        }
        expect(2, g * tokens_m + t, slot, "slot");
      }
    }
    if (with_logits) {
      const int64_t low = cu.at(b), count = cu.at(b + 1) - low;
      if (low < 0 || count < 0 || low + count > logits_out.numel()) fail("accepted a bad cu_num_logits (F4)");
      for (int64_t k = 0; k < count; ++k) expect(4, low + k, qe - count + k, "logits index");
    }
    if (tokens) {
      const int64_t count = with_cu ? cu.at(b + 1) - cu.at(b) : nb, d = count - nb;
      if (count < nb || count > qe - qs) fail("accepted a row's logits count outside [nb, L] (F4)");
      const int64_t pre = prefill.given() ? prefill.at(r) : 0;
      if (s > pre) {
        if (nb == 1 && s - count >= pre) expect(3, qe - count, last.at(r), "bonus token");
        if (d > (drafts.given() ? drafts.cols() : 0)) fail("accepted more drafts than S (F4)");
        for (int64_t k = 0; k < d; ++k) expect(3, qe - d + k, drafts.at(r, k), "draft token");
      }
    }
  }
  for (int64_t g = 0; g < G; ++g) {
    for (int64_t t = T; t < tokens_m; ++t) expect(2, g * tokens_m + t, -1, "slot tail");
  }
  if (step.seq_lens_tail == advstep::SeqLensTail::kZero) {
    for (int64_t b = R; b < seq_lens.numel(); ++b) {
      expect(1, b, 0, "seq_lens tail");
      if (dcp.given()) expect(6, b, 0, "dcp tail");
    }
  }
  if (step.token_tail == advstep::TokenTail::kZero) {
    for (int64_t t = T; t < tokens_m; ++t) {
      expect(0, t, 0, "position tail");
      if (tokens) expect(3, t, 0, "token tail");
    }
  }
  static const char* const kNames[] = {"positions",      "seq_lens",       "slot_mapping",      "input_ids",
                                       "logits_indices", "token_seq_lens", "dcp_local_seq_lens"};
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::vector<int64_t> got = outputs[k]->logical();
    for (size_t e = 0; e < got.size(); ++e) {
      if (got[e] != want[k][e]) {
        fail(std::string(kNames[k]) + "[" + std::to_string(e) + "] = " + std::to_string(got[e]) +
             ", the formulas give " + std::to_string(want[k][e]));
      }
    }
  }
  return;
}

}  // namespace advstep_fuzz
