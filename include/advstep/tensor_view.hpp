// A non-owning description of a tensor handed to the native API.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "advstep/detail/checked_arithmetic.hpp"
#include "advstep/export.hpp"

namespace advstep {

inline constexpr int32_t kMaxRank = 8;

/// Element types. The operator computes on kInt32 and kInt64; the others exist so that bindings can
/// hand any array over and get the library's own dtype error.
enum class DType : int32_t {
  kInt32,
  kInt64,
  kInt8,
  kInt16,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kFloat16,
  kBFloat16,
  kFloat32,
  kFloat64,
  kBool,
  kOther,
};

/// "int32", "float32", ...: numpy's names.
ADVSTEP_API const char* dtype_name(DType dtype);

/// Where a tensor's memory lives.
enum class Device : int32_t { kCpu, kCuda };

/// Memory plus its layout: shape and strides in elements, row-major when made by view().
struct TensorView {
  void* data = nullptr;
  DType dtype = DType::kInt64;
  Device device = Device::kCpu;
  int32_t rank = 0;
  std::array<int64_t, kMaxRank> shape{};
  std::array<int64_t, kMaxRank> strides{};
};

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<int32_t>() { return DType::kInt32; }
template <>
constexpr DType dtype_of<int64_t>() { return DType::kInt64; }

/// A contiguous row-major view of @p data with @p shape (at most kMaxRank dims).
template <typename T>
TensorView view(T* data, std::initializer_list<int64_t> shape, Device device = Device::kCpu) {
  TensorView v;
  v.data = data;
  v.dtype = dtype_of<T>();
  v.device = device;
  v.rank = static_cast<int32_t>(shape.size() < kMaxRank ? shape.size() : kMaxRank);
  int32_t d = 0;
  for (int64_t extent : shape) {
    if (d == v.rank) break;
    v.shape[static_cast<std::size_t>(d++)] = extent;
  }
  // A shape whose element count overflows keeps the strides computed so far; advance_step refuses
  // its shape before reading them.
  (void)detail::row_major_strides(v.shape.data(), v.rank, v.strides.data());
  return v;
}

}  // namespace advstep
