// The CUDA backend library's one exported symbol: the table libadvstep asks for after dlopen().
#include "cuda/plugin_functions.hpp"
#include "runtime/cuda_plugin.hpp"

extern "C" __attribute__((visibility("default"))) const advstep::runtime::CudaPlugin* advstep_cuda_plugin() {
  static const advstep::runtime::CudaPlugin plugin{
      advstep::runtime::kCudaPluginVersion, advstep::cuda::make_gpu_backend,  advstep::cuda::gpus_runnable,
      advstep::cuda::check_gpu_tensor,      advstep::cuda::run_on_gpu_stream, advstep::cuda::check_gpu_faults,
      advstep::cuda::run_post_update_on_gpu,
      advstep::cuda::run_prepare_on_gpu_stream};
  return &plugin;
}
