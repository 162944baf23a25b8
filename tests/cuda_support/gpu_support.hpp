// Test support for the GPU suite: skips without a GPU, points the runtime at CUDA, owns device memory.
#pragma once

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace advstep::testing {

/// Base of every GPU test: skips when the machine truly has no GPU (gpu_presence.hpp), and fails
/// instead when CUDA fails on a GPU machine or when ADVSTEP_REQUIRE_GPU=1; otherwise selects the
/// runtime's CUDA backend (ADVSTEP_DEVICE=cuda, before the runtime's first call) and binds device 0.
/// A binary whose GPU tests skipped says at its end how many, and why.
class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override;
};

/// "cudaErrorX: text" for assertion messages.
std::string cuda_error_text(cudaError_t error);

/// Values in cudaMalloc'd memory, for the native API's CUDA tensors.
template <typename T>
class DeviceArray {
 public:
  explicit DeviceArray(const std::vector<T>& values) : size_(values.size()) {
    if (size_ == 0) return;
    void* address = nullptr;
    if (cudaMalloc(&address, bytes()) != cudaSuccess) throw std::runtime_error("cudaMalloc failed");
    data_ = static_cast<T*>(address);
    if (cudaMemcpy(data_, values.data(), bytes(), cudaMemcpyHostToDevice) != cudaSuccess) {
      throw std::runtime_error("cudaMemcpy to the device failed");
    }
  }
  ~DeviceArray() {
    if (data_ != nullptr) (void)cudaFree(data_);
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  [[nodiscard]] T* data() const { return data_; }
  [[nodiscard]] size_t bytes() const { return size_ * sizeof(T); }

  /// The values now on the device.
  [[nodiscard]] std::vector<T> values() const {
    std::vector<T> host(size_);
    if (size_ > 0 && cudaMemcpy(host.data(), data_, bytes(), cudaMemcpyDeviceToHost) != cudaSuccess) {
      throw std::runtime_error("cudaMemcpy to the host failed");
    }
    return host;
  }

 private:
  size_t size_ = 0;
  T* data_ = nullptr;
};

}  // namespace advstep::testing
