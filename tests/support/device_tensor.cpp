#include "support/device_tensor.hpp"

#include <stdexcept>
#include <utility>

namespace advstep::testing {
namespace {

std::vector<int64_t> row_major(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

}  // namespace

DeviceTensor::DeviceTensor(const std::vector<int64_t>& values, std::vector<int64_t> shape, aclDataType type) {
  create(values.data(), values.size() * sizeof(int64_t), std::move(shape), type);
}

DeviceTensor DeviceTensor::int32(const std::vector<int32_t>& values, std::vector<int64_t> shape) {
  DeviceTensor tensor;
  tensor.create(values.data(), values.size() * sizeof(int32_t), std::move(shape), ACL_INT32);
  return tensor;
}

void DeviceTensor::create(const void* host, size_t bytes, std::vector<int64_t> shape, aclDataType type) {
  bytes_ = bytes;
  if (bytes_ > 0) {
    if (aclrtMalloc(&memory_, bytes_, ACL_MEM_MALLOC_HUGE_FIRST) != ACL_SUCCESS) throw std::runtime_error("aclrtMalloc");
    if (aclrtMemcpy(memory_, bytes_, host, bytes_, ACL_MEMCPY_HOST_TO_DEVICE) != ACL_SUCCESS) {
      throw std::runtime_error("aclrtMemcpy");
    }
  }
  const std::vector<int64_t> strides = row_major(shape);
  tensor_ = aclCreateTensor(shape.data(), shape.size(), type, strides.data(), 0, ACL_FORMAT_ND, shape.data(),
                            shape.size(), memory_);
}

DeviceTensor::~DeviceTensor() { reset(); }

DeviceTensor::DeviceTensor(DeviceTensor&& other) noexcept
    : memory_(std::exchange(other.memory_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)),
      tensor_(std::exchange(other.tensor_, nullptr)) {}

DeviceTensor& DeviceTensor::operator=(DeviceTensor&& other) noexcept {
  if (this != &other) {
    reset();
    memory_ = std::exchange(other.memory_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    tensor_ = std::exchange(other.tensor_, nullptr);
  }
  return *this;
}

void DeviceTensor::reset() {
  if (tensor_ != nullptr) aclDestroyTensor(tensor_);
  if (memory_ != nullptr) aclrtFree(memory_);
  tensor_ = nullptr;
  memory_ = nullptr;
  bytes_ = 0;
}

std::vector<int64_t> DeviceTensor::values() const {
  std::vector<int64_t> host(bytes_ / sizeof(int64_t));
  if (bytes_ > 0) {
    (void)aclrtMemcpy(host.data(), bytes_, memory_, host.size() * sizeof(int64_t), ACL_MEMCPY_DEVICE_TO_HOST);
  }
  return host;
}

std::vector<uint8_t> DeviceTensor::raw() const {
  std::vector<uint8_t> host(bytes_);
  if (bytes_ > 0) (void)aclrtMemcpy(host.data(), bytes_, memory_, bytes_, ACL_MEMCPY_DEVICE_TO_HOST);
  return host;
}

std::string last_error_message() {
  const char* text = aclGetRecentErrMsg();
  return text == nullptr ? std::string() : std::string(text);
}

}  // namespace advstep::testing
