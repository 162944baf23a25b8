// The core's description of one tensor argument, whichever API it came through.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "advstep/tensor_view.hpp"

namespace advstep::core {

enum class ElementType : int32_t { kInt32, kInt64, kUnsupported };

/// Memory as the core sees it; only the first kMaxRank dims are kept (rank says how many there were).
struct TensorDesc {
  void* data = nullptr;  ///< base address; the first element is at data + offset elements
  ElementType type = ElementType::kInt64;
  const char* type_name = "INT64";  ///< the caller's name for the dtype, for messages
  Device device = Device::kCpu;
  int32_t rank = 0;
  std::array<int64_t, kMaxRank> dims{};
  std::array<int64_t, kMaxRank> strides{};
  int64_t offset = 0;

  [[nodiscard]] int64_t dim(int32_t d) const { return dims[static_cast<std::size_t>(d)]; }
  /// Element count; -1 when a dim is negative or the product overflows.
  [[nodiscard]] int64_t numel() const;
  [[nodiscard]] int64_t element_size() const { return type == ElementType::kInt32 ? 4 : 8; }
  /// Address of the first element. Computed on integers: data may be null or unrelated memory
  /// (the checks refuse it afterwards), where pointer arithmetic would be undefined.
  [[nodiscard]] void* first() const {
    const auto base = reinterpret_cast<std::uintptr_t>(data);
    return reinterpret_cast<void*>(base + static_cast<std::uintptr_t>(offset) * static_cast<std::uintptr_t>(element_size()));
  }
};

}  // namespace advstep::core
