// Runs without a GPU: which answers of CUDA make the GPU tests skip (truly no GPU) and which make
// them fail (a GPU machine whose CUDA fails), as the test base and the CTest probe decide.
#include <gtest/gtest.h>

#include "cuda_support/gpu_presence.hpp"

namespace advstep::testing {
namespace {

TEST(GpuPresence, OnlyAMachineWithoutAGpuSkips) {
  EXPECT_EQ(classify_gpu_presence(cudaSuccess, 2, true).presence, GpuPresence::kPresent);
  EXPECT_EQ(classify_gpu_presence(cudaSuccess, 0, true).presence, GpuPresence::kAbsent);
  EXPECT_EQ(classify_gpu_presence(cudaErrorNoDevice, 0, true).presence, GpuPresence::kAbsent);
  // No driver at all: cudart says "insufficient driver"; that is a machine without a GPU.
  EXPECT_EQ(classify_gpu_presence(cudaErrorInsufficientDriver, 0, false).presence, GpuPresence::kAbsent);
}

TEST(GpuPresence, ACudaFailureOnAGpuMachineFails) {
  const GpuVerdict old_driver = classify_gpu_presence(cudaErrorInsufficientDriver, 0, true);
  EXPECT_EQ(old_driver.presence, GpuPresence::kBroken);
  EXPECT_NE(old_driver.why.find("cudaErrorInsufficientDriver"), std::string::npos) << old_driver.why;
  EXPECT_EQ(classify_gpu_presence(cudaErrorInitializationError, 0, true).presence, GpuPresence::kBroken);
  EXPECT_EQ(classify_gpu_presence(cudaErrorDevicesUnavailable, 0, true).presence, GpuPresence::kBroken);
  EXPECT_EQ(classify_gpu_presence(cudaErrorSystemNotReady, 0, false).presence, GpuPresence::kBroken);
}

TEST(GpuPresence, TheReasonSaysWhatCudaAnswered) {
  EXPECT_NE(classify_gpu_presence(cudaErrorNoDevice, 0, false).why.find("cudaErrorNoDevice"), std::string::npos);
  EXPECT_NE(classify_gpu_presence(cudaSuccess, 0, false).why.find("0 devices"), std::string::npos);
}

}  // namespace
}  // namespace advstep::testing
