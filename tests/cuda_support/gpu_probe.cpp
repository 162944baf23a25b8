// Lets the GPU-only CTest entries skip on a machine with no GPU, and only there: exits 0 when a CUDA
// device is visible, 77 (CTest's "skipped") when there is truly none (cudaErrorNoDevice, 0 devices,
// or no NVIDIA driver installed), and 1 when CUDA fails on a machine that has a GPU or a driver. With
// ADVSTEP_REQUIRE_GPU=1 no GPU exits 1 too.
#include <cstdio>

#include "cuda_support/gpu_presence.hpp"

int main() {
  using advstep::testing::GpuPresence;
  const advstep::testing::GpuVerdict verdict = advstep::testing::probe_gpu_presence();
  switch (verdict.presence) {
    case GpuPresence::kPresent:
      std::printf("a CUDA device is visible\n");
      return 0;
    case GpuPresence::kAbsent:
      if (advstep::testing::gpu_required()) {
        std::printf("no CUDA device visible (%s), and ADVSTEP_REQUIRE_GPU=1\n", verdict.why.c_str());
        return 1;
      }
      std::printf("no CUDA device visible (%s)\n", verdict.why.c_str());
      return 77;
    case GpuPresence::kBroken:
      break;
  }
  std::printf("CUDA failed on this machine: %s\n", verdict.why.c_str());
  return 1;
}
