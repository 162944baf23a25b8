// The prepare-step fuzz harness's pieces (prepare_step_fuzzer.cpp): a tensor in a heap block of its own,
// sized exactly (int32 or int64, 1-D or 2-D, strided when an input), snapshotted and read back; the
// values the input draws; a finding's abort; how the inputs ended.
#pragma once

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

#include "advstep/tensor_view.hpp"

namespace advstep_fuzz {

__extension__ using Wide = __int128;

[[noreturn]] inline void fail(const std::string& what) {
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
};
Outcomes& outcomes();

/// Each operation's scenario: builds a call from the input, runs it, checks the invariants (aborting on a
/// finding).
void fuzz_prepare_inputs(Source& src);
void fuzz_advance_drafts(Source& src);
void fuzz_post_update(Source& src);

}  // namespace advstep_fuzz
