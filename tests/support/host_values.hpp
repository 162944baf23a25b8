// Host tensors of int64 or int32 values for the prepare-step tests, viewed as [n] or [rows, columns].
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "advstep/tensor_view.hpp"

namespace advstep::testing {

using Values = std::vector<int64_t>;

/// Values kept as int64 (wide) or as int32 (small, when narrow); the view reads whichever is used.
struct HostValues {
  Values wide;
  std::vector<int32_t> small;
  bool narrow = false;

  HostValues(Values values, bool as_int32 = false) : wide(std::move(values)), narrow(as_int32) {
    for (const int64_t v : wide) small.push_back(static_cast<int32_t>(v));
  }
  /// Sets element i in whichever storage the view reads.
  void set(size_t i, int64_t value) {
    wide[i] = value;
    small[i] = static_cast<int32_t>(value);
  }
  TensorView vec() { return narrow ? view(small.data(), {size()}) : view(wide.data(), {size()}); }
  TensorView mat(int64_t rows) {
    return narrow ? view(small.data(), {rows, size() / rows}) : view(wide.data(), {rows, size() / rows});
  }
  [[nodiscard]] int64_t size() const { return static_cast<int64_t>(wide.size()); }
  [[nodiscard]] Values values() const { return narrow ? Values(small.begin(), small.end()) : wide; }
};

}  // namespace advstep::testing
