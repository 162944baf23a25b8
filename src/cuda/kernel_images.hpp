// Which GPUs this build's kernels can run on, told from a GPU's compute capability alone: asking
// CUDA (cudaFuncGetAttributes) needs a context on the GPU, 0.3-0.5 GiB of its memory, which a
// process should not pay on every visible GPU just to choose its backend.
#pragma once

#include <span>

namespace advstep::cuda {

/// The architectures the kernels were compiled for, as nvcc's __CUDA_ARCH_LIST__ gives them
/// (800 for compute_80, 900, 1000, ...).
std::span<const int> built_architectures();

/// Whether an architecture of @p built has the GPU's major version and a minor no higher than its
/// own (an architecture XY0 for a GPU X.Z, Y <= Z): then the build holds code the GPU runs without
/// compiling PTX of another major (CMake builds each listed architecture as SASS, PTX or both, and
/// each runs there). False says only "not sure": the GPU may still run PTX of an older major
/// (compiled by the driver) or may have no image at all; cudaFuncGetAttributes on that GPU decides.
inline bool has_native_image(std::span<const int> built, int major, int minor) {
  for (const int architecture : built) {
    if (architecture / 100 == major && (architecture % 100) / 10 <= minor) return true;
  }
  return false;
}

}  // namespace advstep::cuda
