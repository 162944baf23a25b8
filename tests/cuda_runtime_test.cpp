// The ACL runtime on the CUDA device: devices, memory, every copy kind, fills and streams.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "cuda_support/gpu_support.hpp"
#include "support/device_tensor.hpp"

namespace advstep::testing {
namespace {

class CudaRuntime : public GpuTest {};

cudaMemoryType memory_type(const void* address) {
  cudaPointerAttributes attributes{};
  EXPECT_EQ(cudaPointerGetAttributes(&attributes, address), cudaSuccess);
  return attributes.type;
}

TEST_F(CudaRuntime, DevicesAreTheVisibleGpus) {
  int gpus = 0;
  ASSERT_EQ(cudaGetDeviceCount(&gpus), cudaSuccess);
  uint32_t count = 0;
  ASSERT_EQ(aclrtGetDeviceCount(&count), ACL_SUCCESS);
  EXPECT_EQ(count, static_cast<uint32_t>(gpus));
  cudaDeviceProp properties{};
  ASSERT_EQ(cudaGetDeviceProperties(&properties, 0), cudaSuccess);
  EXPECT_STREQ(aclrtGetSocName(), properties.name);
  EXPECT_EQ(aclrtSetDevice(gpus), ACL_ERROR_RT_INVALID_DEVICEID);
  EXPECT_NE(last_error_message().find("deviceId"), std::string::npos);
}

TEST_F(CudaRuntime, MallocGivesGpuMemoryAndMallocHostPinnedMemory) {
  void* device = nullptr;
  void* host = nullptr;
  ASSERT_EQ(aclrtMalloc(&device, 1000, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  ASSERT_EQ(aclrtMallocHost(&host, 1000), ACL_SUCCESS);
  EXPECT_EQ(memory_type(device), cudaMemoryTypeDevice);
  EXPECT_EQ(memory_type(host), cudaMemoryTypeHost);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(device) % 64, 0u);
  EXPECT_EQ(aclrtFree(host), ACL_ERROR_RT_MEMORY_FREE) << "host memory freed as device memory";
  EXPECT_EQ(aclrtFreeHost(host), ACL_SUCCESS);
  EXPECT_EQ(aclrtFree(device), ACL_SUCCESS);
  EXPECT_EQ(aclrtFree(device), ACL_ERROR_RT_MEMORY_FREE) << "freed twice";
}

TEST_F(CudaRuntime, EveryCopyKindMovesTheBytes) {
  const std::vector<int64_t> values = {1, -2, 3, -4, 5, -6, 7, -8};
  const size_t bytes = values.size() * sizeof(int64_t);
  void* a = nullptr;
  void* b = nullptr;
  ASSERT_EQ(aclrtMalloc(&a, bytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  ASSERT_EQ(aclrtMalloc(&b, bytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  std::vector<int64_t> back(values.size(), 0);

  ASSERT_EQ(aclrtMemcpy(a, bytes, values.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpy(b, bytes, a, bytes, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpy(back.data(), bytes, b, bytes, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
  EXPECT_EQ(back, values);

  std::vector<int64_t> other(values.size(), 0);
  ASSERT_EQ(aclrtMemcpy(other.data(), bytes, back.data(), bytes, ACL_MEMCPY_HOST_TO_HOST), ACL_SUCCESS);
  EXPECT_EQ(other, values);

  // DEFAULT infers the direction from the addresses; HOST_TO_BUF_TO_DEVICE is a host-to-device copy.
  const std::vector<int64_t> reversed(values.rbegin(), values.rend());
  ASSERT_EQ(aclrtMemcpy(a, bytes, reversed.data(), bytes, ACL_MEMCPY_DEFAULT), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpy(back.data(), bytes, a, bytes, ACL_MEMCPY_DEFAULT), ACL_SUCCESS);
  EXPECT_EQ(back, reversed);
  ASSERT_EQ(aclrtMemcpy(b, bytes, values.data(), bytes, ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpy(back.data(), bytes, b, bytes, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
  EXPECT_EQ(back, values);

  EXPECT_EQ(aclrtFree(a), ACL_SUCCESS);
  EXPECT_EQ(aclrtFree(b), ACL_SUCCESS);
}

// Pageable host memory goes through a pinned staging buffer of 4 MiB, chunk by chunk: a copy of
// two and a half buffers (an odd byte count) arrives whole both ways, synchronous and on a stream
// (where it is complete on return), and pinned memory on the host side takes the direct path.
TEST_F(CudaRuntime, PageableCopiesLargerThanTheStagingBufferArriveWhole) {
  const size_t bytes = (size_t{10} << 20) + 3;
  std::vector<uint8_t> values(bytes);
  for (size_t k = 0; k < bytes; ++k) values[k] = static_cast<uint8_t>((k * 131 + k / 4096) & 0xFF);
  void* device = nullptr;
  ASSERT_EQ(aclrtMalloc(&device, bytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  std::vector<uint8_t> back(bytes, 0);
  ASSERT_EQ(aclrtMemcpy(device, bytes, values.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS)
      << aclGetRecentErrMsg();
  ASSERT_EQ(aclrtMemcpy(back.data(), bytes, device, bytes, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS)
      << aclGetRecentErrMsg();
  EXPECT_TRUE(back == values) << "a synchronous pageable copy lost or moved bytes";

  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemsetAsync(device, bytes, 0x5A, bytes, stream), ACL_SUCCESS);
  std::vector<uint8_t> filled(bytes, 0);
  ASSERT_EQ(aclrtMemcpyAsync(filled.data(), bytes, device, bytes, ACL_MEMCPY_DEVICE_TO_HOST, stream), ACL_SUCCESS)
      << aclGetRecentErrMsg();
  EXPECT_TRUE(filled == std::vector<uint8_t>(bytes, 0x5A)) << "the pageable async copy was not after the fill";
  ASSERT_EQ(aclrtMemcpyAsync(device, bytes, values.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE, stream), ACL_SUCCESS)
      << aclGetRecentErrMsg();
  void* pinned = nullptr;
  ASSERT_EQ(aclrtMallocHost(&pinned, bytes), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpyAsync(pinned, bytes, device, bytes, ACL_MEMCPY_DEVICE_TO_HOST, stream), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS) << aclGetRecentErrMsg();
  EXPECT_EQ(std::memcmp(pinned, values.data(), bytes), 0) << "the pageable async copy to the GPU lost bytes";

  EXPECT_EQ(aclrtFreeHost(pinned), ACL_SUCCESS);
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
  EXPECT_EQ(aclrtFree(device), ACL_SUCCESS);
}

TEST_F(CudaRuntime, AHostSideOfGpuMemoryIsRefused) {
  void* device = nullptr;
  void* other = nullptr;
  ASSERT_EQ(aclrtMalloc(&device, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  ASSERT_EQ(aclrtMalloc(&other, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  EXPECT_EQ(aclrtMemcpy(device, 64, other, 64, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_NE(last_error_message().find("src must be host memory"), std::string::npos);
  EXPECT_EQ(aclrtMemcpy(device, 64, other, 64, ACL_MEMCPY_DEVICE_TO_HOST), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_NE(last_error_message().find("dst must be host memory"), std::string::npos);
  EXPECT_EQ(aclrtFree(device), ACL_SUCCESS);
  EXPECT_EQ(aclrtFree(other), ACL_SUCCESS);
}

TEST_F(CudaRuntime, DeviceRangesAreCheckedAsOnTheHost) {
  void* device = nullptr;
  ASSERT_EQ(aclrtMalloc(&device, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  std::vector<uint8_t> host(128, 0);
  EXPECT_EQ(aclrtMemcpy(device, 128, host.data(), 128, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_EQ(aclrtMemcpy(host.data(), 128, host.data() + 64, 64, ACL_MEMCPY_DEVICE_TO_HOST), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_EQ(aclrtMemset(device, 128, 0, 128), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_EQ(aclrtFree(device), ACL_SUCCESS);
}

TEST_F(CudaRuntime, StreamsAreCudaStreamsAndKeepOrder) {
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(cudaStreamQuery(static_cast<cudaStream_t>(stream)), cudaSuccess) << "the handle is the cudaStream_t";

  constexpr size_t kBytes = 1 << 20;
  void* pinned = nullptr;
  void* a = nullptr;
  void* b = nullptr;
  ASSERT_EQ(aclrtMallocHost(&pinned, kBytes), ACL_SUCCESS);
  ASSERT_EQ(aclrtMalloc(&a, kBytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  ASSERT_EQ(aclrtMalloc(&b, kBytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  std::memset(pinned, 0x5a, kBytes);
  // Ordered on the stream: upload, fill half on the device, copy across, download.
  ASSERT_EQ(aclrtMemcpyAsync(a, kBytes, pinned, kBytes, ACL_MEMCPY_HOST_TO_DEVICE, stream), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemsetAsync(a, kBytes, 0x11, kBytes / 2, stream), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpyAsync(b, kBytes, a, kBytes, ACL_MEMCPY_DEVICE_TO_DEVICE, stream), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemcpyAsync(pinned, kBytes, b, kBytes, ACL_MEMCPY_DEVICE_TO_HOST, stream), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS) << aclGetRecentErrMsg();
  const auto* bytes = static_cast<const uint8_t*>(pinned);
  EXPECT_EQ(bytes[0], 0x11);
  EXPECT_EQ(bytes[kBytes / 2 - 1], 0x11);
  EXPECT_EQ(bytes[kBytes / 2], 0x5a);
  EXPECT_EQ(bytes[kBytes - 1], 0x5a);

  // aclrtMemset on pinned host memory and on plain host memory.
  ASSERT_EQ(aclrtMemset(pinned, kBytes, 0x22, 16), ACL_SUCCESS);
  EXPECT_EQ(bytes[15], 0x22);
  std::vector<uint8_t> plain(16, 0);
  ASSERT_EQ(aclrtMemsetAsync(plain.data(), plain.size(), 0x33, plain.size(), stream), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS);
  EXPECT_EQ(plain[15], 0x33);

  EXPECT_EQ(aclrtFree(a), ACL_SUCCESS);
  EXPECT_EQ(aclrtFree(b), ACL_SUCCESS);
  EXPECT_EQ(aclrtFreeHost(pinned), ACL_SUCCESS);
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
  EXPECT_EQ(aclrtSynchronizeStream(stream), ACL_ERROR_RT_INVALID_HANDLE) << "a destroyed stream is unknown";
}

TEST_F(CudaRuntime, DefaultStreamWorks) {
  DeviceTensor tensor({1, 2, 3}, {3});
  ASSERT_EQ(aclrtMemsetAsync(tensor.address(), tensor.bytes(), 0, tensor.bytes(), nullptr), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(nullptr), ACL_SUCCESS);
  EXPECT_EQ(tensor.values(), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(aclrtSynchronizeDevice(), ACL_SUCCESS);
}

}  // namespace
}  // namespace advstep::testing
