// libFuzzer harness over the prepare step's native entries (prepare_step.md; include/advstep/prepare_step.hpp):
// one advstep::prepare_inputs per input, built from its bytes, then the contract's invariants:
//   - no access outside a tensor (each tensor is its own heap block, sized exactly, under
//     AddressSanitizer; strided input views leave gaps holding a sentinel);
//   - whenever the call throws, every byte of every tensor is as before (each is snapshotted);
//   - whenever it succeeds, the inputs are unchanged, nothing the batch does not own was written,
//     and each output equals this harness's own walk of the row formulas (section 2), which also
//     asserts the call had no reason to fault: a state row outside [0, Rmax), a bad query_start_loc
//     or cu_num_logits, a negative num_computed_tokens, a block index past the bound, a negative
//     block id or a value that does not fit its output accepted is a finding.
// The bytes choose R, Rmax, M, G tables and their widths and block sizes (near the int32 and int64
// limits included), each tensor's dtype, strided views of the inputs, an occasional output that
// is not contiguous, aliases another or has the wrong length, the options (bound, tails, DCP,
// num_bonus) and every value, mostly valid so that most calls get past the checks.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"

namespace {

__extension__ using Wide = __int128;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "invariant broken: %s\n", what.c_str());
  std::abort();
}

/// One tensor in its own heap block: int32 or int64, 1-D or 2-D, row-major or (inputs) strided.
class Tensor {
 public:
  Tensor() = default;
  Tensor(std::vector<int64_t> shape, bool narrow, int64_t stride) : shape_(std::move(shape)), narrow_(narrow) {
    const int64_t inner = shape_.size() == 2 ? shape_[1] : 1;
    row_stride_ = shape_.size() == 2 ? inner + stride - 1 : stride;  // stride 1: row-major
    const int64_t rows = shape_.empty() ? 0 : shape_[0];
    elements_ = rows == 0 ? 0 : (rows - 1) * row_stride_ + inner;
    bytes_ = std::make_unique<unsigned char[]>(static_cast<size_t>(std::max<int64_t>(1, elements_) * width()));
    for (int64_t k = 0; k < elements_; ++k) store(k, kSentinel);
  }
  [[nodiscard]] bool given() const { return !shape_.empty(); }
  [[nodiscard]] int64_t rows() const { return shape_.empty() ? 0 : shape_[0]; }
  [[nodiscard]] int64_t cols() const { return shape_.size() == 2 ? shape_[1] : 1; }
  [[nodiscard]] int64_t numel() const { return rows() * cols(); }
  [[nodiscard]] bool narrow() const { return narrow_; }
  [[nodiscard]] int64_t at(int64_t row, int64_t col = 0) const { return load(row * row_stride_ + col); }
  void put(int64_t row, int64_t col, int64_t value) { store(row * row_stride_ + col, value); }
  /// Element @p k in row-major logical order.
  [[nodiscard]] int64_t flat(int64_t k) const { return at(k / cols(), k % cols()); }
  [[nodiscard]] bool fits(Wide value) const {
    return narrow_ ? value >= INT32_MIN && value <= INT32_MAX : value >= INT64_MIN && value <= INT64_MAX;
  }
  [[nodiscard]] std::vector<unsigned char> snapshot() const {
    return {bytes_.get(), bytes_.get() + elements_ * width()};
  }
  [[nodiscard]] std::vector<int64_t> logical() const {
    std::vector<int64_t> values;
    for (int64_t k = 0; k < numel(); ++k) values.push_back(flat(k));
    return values;
  }
  /// The view the call gets: @p shape_override for a wrong-length case, @p column for [Rmax, 1].
  [[nodiscard]] advstep::TensorView view(bool as_column = false) const {
    advstep::TensorView v;
    if (!given()) return v;
    v.data = bytes_.get();
    v.dtype = narrow_ ? advstep::DType::kInt32 : advstep::DType::kInt64;
    v.rank = shape_.size() == 2 || as_column ? 2 : 1;
    v.shape[0] = shape_[0];
    v.strides[0] = row_stride_;
    if (v.rank == 2) {
      v.shape[1] = cols();
      v.strides[1] = 1;
    }
    return v;
  }
  static constexpr int64_t kSentinel = -77;

 private:
  [[nodiscard]] int64_t width() const { return narrow_ ? 4 : 8; }
  [[nodiscard]] int64_t load(int64_t k) const {
    if (narrow_) {
      int32_t v;
      std::memcpy(&v, bytes_.get() + k * 4, 4);
      return v;
    }
    int64_t v;
    std::memcpy(&v, bytes_.get() + k * 8, 8);
    return v;
  }
  void store(int64_t k, int64_t value) {
    if (narrow_) {
      const auto v = static_cast<int32_t>(value);
      std::memcpy(bytes_.get() + k * 4, &v, 4);
    } else {
      std::memcpy(bytes_.get() + k * 8, &value, 8);
    }
  }

  std::vector<int64_t> shape_;
  bool narrow_ = false;
  int64_t row_stride_ = 1;
  int64_t elements_ = 0;
  std::unique_ptr<unsigned char[]> bytes_;
};

/// Draws values: mostly from [low, high], sometimes the limits and negatives that must be faults.
class Source {
 public:
  explicit Source(FuzzedDataProvider& in) : in_(in) {}
  int64_t value(int64_t low, int64_t high, bool narrow) {
    switch (in_.ConsumeIntegralInRange<int>(0, 15)) {
      case 0:
        return narrow ? INT32_MAX : INT64_MAX - in_.ConsumeIntegralInRange<int64_t>(0, 2);
      case 1:
        return -in_.ConsumeIntegralInRange<int64_t>(1, 3);
      case 2:
        return narrow ? in_.ConsumeIntegral<int32_t>() : in_.ConsumeIntegral<int64_t>();
      default:
        return in_.ConsumeIntegralInRange<int64_t>(low, high);
    }
  }
  bool rarely() { return in_.ConsumeIntegralInRange<int>(0, 15) == 0; }
  bool coin() { return in_.ConsumeBool(); }
  int64_t in(int64_t low, int64_t high) { return in_.ConsumeIntegralInRange<int64_t>(low, high); }
  /// A tensor of @p shape, dtype and (for inputs) stride chosen by the input, values from @p fill.
  template <typename Fill>
  Tensor tensor(std::vector<int64_t> shape, bool input, Fill fill) {
    const bool narrow = coin();
    Tensor t(std::move(shape), narrow, input && rarely() ? in(2, 3) : 1);
    for (int64_t r = 0; r < t.rows(); ++r) {
      for (int64_t c = 0; c < t.cols(); ++c) t.put(r, c, fill(r, c, narrow));
    }
    return t;
  }

 private:
  FuzzedDataProvider& in_;
};

/// How the inputs ended, printed at exit when ADVSTEP_FUZZ_STATS is set (is the success path reached?).
struct Outcomes {
  int64_t refused = 0, faults = 0, compared = 0;
  ~Outcomes() {
    if (std::getenv("ADVSTEP_FUZZ_STATS") == nullptr) return;
    std::fprintf(stderr, "outcomes: %lld argument errors, %lld data faults, %lld calls compared with the formulas\n",
                 static_cast<long long>(refused), static_cast<long long>(faults), static_cast<long long>(compared));
  }
} outcomes;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Source src(in);
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
    ++(error.is_data_fault() ? outcomes.faults : outcomes.refused);
    for (size_t k = 0; k < all.size(); ++k) {
      if (all[k]->snapshot() != before[k]) fail("a tensor was written by a call that threw");
    }
    return 0;
  }
  ++outcomes.compared;
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
  return 0;
}
