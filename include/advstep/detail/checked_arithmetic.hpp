// Integer arithmetic that reports overflow instead of wrapping: every size, stride and extent
// product of the library goes through these, so that a huge dim is refused, never computed with.
#pragma once

#include <concepts>
#include <cstdint>

namespace advstep::detail {

/// Sets @p out to @p a * @p b and returns true, or returns false (leaving @p out alone) when the
/// product does not fit in T.
template <std::integral T>
[[nodiscard]] constexpr bool checked_mul(T a, T b, T& out) noexcept {
  T product{};
  if (__builtin_mul_overflow(a, b, &product)) return false;
  out = product;
  return true;
}

/// Sets @p out to @p a + @p b and returns true, or returns false (leaving @p out alone) when the
/// sum does not fit in T.
template <std::integral T>
[[nodiscard]] constexpr bool checked_add(T a, T b, T& out) noexcept {
  T sum{};
  if (__builtin_add_overflow(a, b, &sum)) return false;
  out = sum;
  return true;
}

/// Row-major strides (in elements) of @p dims[0..@p rank) into @p strides; false, with @p strides
/// unspecified, when the element count (the product of every dim) does not fit in int64_t.
[[nodiscard]] constexpr bool row_major_strides(const int64_t* dims, int64_t rank, int64_t* strides) noexcept {
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    strides[d] = stride;
    if (!checked_mul(stride, dims[d], stride)) return false;
  }
  return true;
}

}  // namespace advstep::detail
