// How the prepare-step kernels read and write their int32/int64 tensors, on the host and on a GPU:
// inputs through their strides (an input may be a view, spec 10.3), outputs contiguous.
#pragma once

#include <cstdint>

#include "core/host_device.hpp"

namespace advstep::variants {

/// Exact wide arithmetic for the row formulas: every operand is an int64, so no sum or product of
/// a few of them leaves this range, and each result is checked against the output it goes to (F6).
__extension__ using Wide = __int128;

/// An index tensor read as int64, through its strides.
struct IndexInput {
  const void* data = nullptr;
  bool given = false;
  bool narrow = false;  ///< int32 elements
  int64_t rows = 0;     ///< dim 0
  int64_t columns = 1;  ///< dim 1 (1 for a vector)
  int64_t row_stride = 0;
  int64_t column_stride = 0;

  [[nodiscard]] ADVSTEP_HOST_DEVICE int64_t at(int64_t i, int64_t j = 0) const {
    const int64_t element = i * row_stride + j * column_stride;
    return narrow ? static_cast<const int32_t*>(data)[element] : static_cast<const int64_t*>(data)[element];
  }
};

/// A contiguous output of int32 or int64 elements.
struct IndexOutput {
  void* data = nullptr;
  bool given = false;
  bool narrow = false;
  int64_t numel = 0;

  [[nodiscard]] ADVSTEP_HOST_DEVICE bool fits(int64_t value) const {
    return !narrow || (value >= INT32_MIN && value <= INT32_MAX);
  }
  /// Whether a wide result fits this output's elements (F6).
  [[nodiscard]] ADVSTEP_HOST_DEVICE bool fits_wide(Wide value) const {
    return value >= INT64_MIN && value <= INT64_MAX && fits(static_cast<int64_t>(value));
  }
  ADVSTEP_HOST_DEVICE void store(int64_t i, int64_t value) const {
    if (narrow) {
      static_cast<int32_t*>(data)[i] = static_cast<int32_t>(value);
    } else {
      static_cast<int64_t*>(data)[i] = value;
    }
  }
};

}  // namespace advstep::variants
