// Exits 0 when a CUDA device is visible and 77 (CTest's "skipped") when not: lets the GPU-only test
// entries skip cleanly on machines without a GPU.
#include <cuda_runtime_api.h>

#include <cstdio>

int main() {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess || count == 0) {
    std::printf("no CUDA device visible (%s)\n", error != cudaSuccess ? cudaGetErrorName(error) : "0 devices");
    return 77;
  }
  std::printf("%d CUDA device(s) visible\n", count);
  return 0;
}
