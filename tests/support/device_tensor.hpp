// Test support: int64/int32 tensors in aclrtMalloc'd memory, built and read back through the C API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "aclnn/acl_meta.h"

namespace advstep::testing {

/// Owns an aclrtMalloc block (with @p spare extra bytes) and an aclTensor viewing it.
class DeviceTensor {
 public:
  DeviceTensor() = default;
  /// int64 values shaped @p shape (contiguous, ND).
  DeviceTensor(const std::vector<int64_t>& values, std::vector<int64_t> shape, aclDataType type = ACL_INT64);
  /// int32 values (for dtype tests), stored as 4-byte elements.
  static DeviceTensor int32(const std::vector<int32_t>& values, std::vector<int64_t> shape);
  ~DeviceTensor();
  DeviceTensor(DeviceTensor&& other) noexcept;
  DeviceTensor& operator=(DeviceTensor&& other) noexcept;
  DeviceTensor(const DeviceTensor&) = delete;
  DeviceTensor& operator=(const DeviceTensor&) = delete;

  [[nodiscard]] aclTensor* get() const { return tensor_; }
  [[nodiscard]] void* address() const { return memory_; }
  [[nodiscard]] size_t bytes() const { return bytes_; }
  /// The block's contents read back as int64 values (element size 8).
  [[nodiscard]] std::vector<int64_t> values() const;
  /// The raw bytes, for "nothing changed" comparisons whatever the dtype.
  [[nodiscard]] std::vector<uint8_t> raw() const;

 private:
  void create(const void* host, size_t bytes, std::vector<int64_t> shape, aclDataType type);
  void reset();

  void* memory_ = nullptr;
  size_t bytes_ = 0;
  aclTensor* tensor_ = nullptr;
};

/// aclGetRecentErrMsg() as a string (and cleared).
std::string last_error_message();

}  // namespace advstep::testing
