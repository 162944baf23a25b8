// The architecture list of this build, which only nvcc knows (this file is compiled with the same
// architectures as the kernels).
#include "cuda/kernel_images.hpp"

namespace advstep::cuda {

std::span<const int> built_architectures() {
#ifdef __CUDA_ARCH_LIST__
  static constexpr int kBuilt[] = {__CUDA_ARCH_LIST__};
  return kBuilt;
#else
  return {};  // not known: every GPU is then probed with cudaFuncGetAttributes
#endif
}

}  // namespace advstep::cuda
