// Host contracts of the CUDA backend on a GPU (skipped without one): the backend library is the one
// beside libadvstep's file, every visible GPU passed the kernel-image probe, and misaligned CUDA
// tensors are refused before any kernel could fault on them (the context survives).
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "advstep/advance_step.hpp"
#include "cuda_support/gpu_support.hpp"

namespace advstep::testing {
namespace {

class CudaContracts : public GpuTest {};

/// The directory of the real file of the loaded object holding @p symbol, with a trailing '/'.
std::string directory_of(const char* symbol, void* handle = RTLD_DEFAULT) {
  void* address = dlsym(handle, symbol);
  if (address == nullptr) return "";
  Dl_info info{};
  if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) return "";
  char resolved[PATH_MAX];
  if (realpath(info.dli_fname, resolved) == nullptr) return "";
  std::string path = resolved;
  return path.erase(path.find_last_of('/') + 1);
}

TEST_F(CudaContracts, TheBackendLibraryBesideLibadvstepIsTheOneLoaded) {
  const std::string libadvstep = directory_of("aclnnAdvanceStep");
  ASSERT_FALSE(libadvstep.empty());
  // Already loaded by the runtime (RTLD_NOLOAD: no second load), from libadvstep's directory.
  void* backend = dlopen((libadvstep + "libadvstep_cuda.so").c_str(), RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(backend, nullptr) << "the CUDA backend is not loaded from " << libadvstep;
  EXPECT_EQ(directory_of("advstep_cuda_plugin", backend), libadvstep);
  dlclose(backend);
}

TEST_F(CudaContracts, EveryVisibleGpuIsADeviceThatRunsKernels) {
  int gpus = 0;
  ASSERT_EQ(cudaGetDeviceCount(&gpus), cudaSuccess);
  uint32_t devices = 0;
  ASSERT_EQ(aclrtGetDeviceCount(&devices), ACL_SUCCESS) << aclGetRecentErrMsg();
  EXPECT_EQ(devices, static_cast<uint32_t>(gpus)) << "a GPU failed the kernel-image probe";
  EXPECT_TRUE(device_available(Device::kCuda));
}

TEST_F(CudaContracts, MisalignedCudaTensorIsRefusedAndTheContextSurvives) {
  const DeviceArray<int64_t> tokens(std::vector<int64_t>{0, 0}), sampled(std::vector<int64_t>{5, 6}),
      positions(std::vector<int64_t>{3, 4}), slots(std::vector<int64_t>{0, 0}), tables(std::vector<int64_t>{0, 1});
  const DeviceArray<int64_t> seq_storage(std::vector<int64_t>{4, 5, 0});
  TensorView seq_lens = view(seq_storage.data(), {2}, Device::kCuda);
  seq_lens.data = static_cast<char*>(seq_lens.data) + 4;  // int64 elements at 4 mod 8
  try {
    advance_step(DecodeStep{view(tokens.data(), {2}, Device::kCuda), view(sampled.data(), {2, 1}, Device::kCuda),
                            view(positions.data(), {2}, Device::kCuda), seq_lens,
                            view(slots.data(), {2}, Device::kCuda), view(tables.data(), {2, 1}, Device::kCuda), 2, 2,
                            16});
    FAIL() << "a misaligned CUDA tensor ran";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("seq_lens must be aligned to its 8-byte elements"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(positions.values(), (std::vector<int64_t>{3, 4}));
  // The context is intact: the same step on aligned data runs.
  const DeviceArray<int64_t> seq_lens_aligned(std::vector<int64_t>{4, 5});
  advance_step(DecodeStep{view(tokens.data(), {2}, Device::kCuda), view(sampled.data(), {2, 1}, Device::kCuda),
                          view(positions.data(), {2}, Device::kCuda), view(seq_lens_aligned.data(), {2}, Device::kCuda),
                          view(slots.data(), {2}, Device::kCuda), view(tables.data(), {2, 1}, Device::kCuda), 2, 2,
                          16});
  EXPECT_EQ(tokens.values(), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

}  // namespace
}  // namespace advstep::testing

namespace advstep::testing {
namespace {

/// Two GPUs, or a skip.
class CudaTwoGpus : public GpuTest {
 protected:
  void SetUp() override {
    GpuTest::SetUp();
    if (IsSkipped()) return;
    int gpus = 0;
    ASSERT_EQ(cudaGetDeviceCount(&gpus), cudaSuccess);
    if (gpus < 2) GTEST_SKIP() << "one GPU";
  }
  void TearDown() override { (void)cudaSetDevice(0); }
};

TEST_F(CudaTwoGpus, AclrtMallocUsesTheRuntimesDeviceNotCudasCurrentOne) {
  ASSERT_EQ(aclrtSetDevice(0), ACL_SUCCESS);
  ASSERT_EQ(cudaSetDevice(1), cudaSuccess);  // the caller's own CUDA code moved CUDA's current device
  void* block = nullptr;
  ASSERT_EQ(aclrtMalloc(&block, 256, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS) << aclGetRecentErrMsg();
  cudaPointerAttributes attributes{};
  ASSERT_EQ(cudaPointerGetAttributes(&attributes, block), cudaSuccess);
  EXPECT_EQ(attributes.device, 0);
  EXPECT_EQ(aclrtFree(block), ACL_SUCCESS);
}

TEST_F(CudaTwoGpus, NativeStreamOfAnotherGpuIsRefused) {
  ASSERT_EQ(cudaSetDevice(1), cudaSuccess);
  cudaStream_t on_1 = nullptr;
  ASSERT_EQ(cudaStreamCreate(&on_1), cudaSuccess);
  ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
  const DeviceArray<int64_t> tokens(std::vector<int64_t>{0, 0}), sampled(std::vector<int64_t>{5, 6}),
      positions(std::vector<int64_t>{3, 4}), seq_lens(std::vector<int64_t>{4, 5}), slots(std::vector<int64_t>{0, 0}),
      tables(std::vector<int64_t>{0, 1});
  try {
    advance_step(
        DecodeStep{view(tokens.data(), {2}, Device::kCuda), view(sampled.data(), {2, 1}, Device::kCuda),
                   view(positions.data(), {2}, Device::kCuda), view(seq_lens.data(), {2}, Device::kCuda),
                   view(slots.data(), {2}, Device::kCuda), view(tables.data(), {2, 1}, Device::kCuda), 2, 2, 16},
        {}, on_1);
    FAIL() << "a stream of GPU 1 ran tensors of GPU 0";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("stream must be on the GPU of the tensors"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(tokens.values(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(cudaStreamDestroy(on_1), cudaSuccess);
}

}  // namespace
}  // namespace advstep::testing

namespace advstep::testing {
namespace {

class CudaSynchronousMemory : public GpuTest {};

TEST_F(CudaSynchronousMemory, DeviceCopiesAndFillsAreCompleteWhenTheCallReturns) {
  constexpr size_t kBytes = size_t{512} << 20;  // long enough for an early return to be seen
  void* src = nullptr;
  void* dst = nullptr;
  ASSERT_EQ(aclrtMalloc(&src, kBytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS) << aclGetRecentErrMsg();
  ASSERT_EQ(aclrtMalloc(&dst, kBytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS) << aclGetRecentErrMsg();
  ASSERT_EQ(aclrtMemset(src, kBytes, 0x5A, kBytes), ACL_SUCCESS) << aclGetRecentErrMsg();
  EXPECT_EQ(cudaStreamQuery(nullptr), cudaSuccess) << "aclrtMemset returned before the fill finished";
  ASSERT_EQ(aclrtMemcpy(dst, kBytes, src, kBytes, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_SUCCESS) << aclGetRecentErrMsg();
  EXPECT_EQ(cudaStreamQuery(nullptr), cudaSuccess) << "aclrtMemcpy returned before the copy finished";
  unsigned char last = 0;
  ASSERT_EQ(cudaMemcpy(&last, static_cast<char*>(dst) + kBytes - 1, 1, cudaMemcpyDeviceToHost), cudaSuccess);
  EXPECT_EQ(last, 0x5A);
  EXPECT_EQ(aclrtFree(src), ACL_SUCCESS);
  EXPECT_EQ(aclrtFree(dst), ACL_SUCCESS);
}

}  // namespace
}  // namespace advstep::testing
