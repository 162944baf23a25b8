// Runs without a GPU: which compute capabilities the backend accepts from the build's architecture
// list alone (no CUDA context), and which it leaves to cudaFuncGetAttributes on the GPU itself.
#include <gtest/gtest.h>

#include <vector>

#include "cuda/kernel_images.hpp"

namespace advstep::testing {
namespace {

TEST(KernelImages, AGpuOfABuiltMajorAtOrAboveItsMinorNeedsNoContext) {
  const std::vector<int> built{800, 900};            // the default CMAKE_CUDA_ARCHITECTURES 80;90
  EXPECT_TRUE(cuda::has_native_image(built, 8, 0));  // A100
  EXPECT_TRUE(cuda::has_native_image(built, 8, 6));  // sm_80 code runs on later minors of 8
  EXPECT_TRUE(cuda::has_native_image(built, 8, 9));
  EXPECT_TRUE(cuda::has_native_image(built, 9, 0));  // H100, H200
}

TEST(KernelImages, OtherGpusAreLeftToTheGpuItself) {
  const std::vector<int> built{800, 900};
  EXPECT_FALSE(cuda::has_native_image(built, 7, 5));   // older than every architecture built
  EXPECT_FALSE(cuda::has_native_image(built, 10, 0));  // newer major: only PTX, which the driver may compile
  EXPECT_FALSE(cuda::has_native_image(built, 12, 0));
  EXPECT_FALSE(cuda::has_native_image(std::vector<int>{860}, 8, 0)) << "sm_86 code does not run on 8.0";
  EXPECT_TRUE(cuda::has_native_image(std::vector<int>{1000, 1200}, 12, 0));
  EXPECT_FALSE(cuda::has_native_image({}, 9, 0)) << "an unknown list decides nothing";
}

TEST(KernelImages, TheBuildKnowsItsArchitectures) {
  // Compiled by nvcc with the backend's architectures: an empty list would send every GPU to the
  // context-creating probe.
  const auto built = cuda::built_architectures();
  ASSERT_FALSE(built.empty()) << "nvcc defined no __CUDA_ARCH_LIST__";
  for (const int architecture : built) EXPECT_GE(architecture, 500) << architecture;
}

}  // namespace
}  // namespace advstep::testing
