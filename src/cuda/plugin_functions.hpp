// The CUDA backend library's implementations of the table of runtime/cuda_plugin.hpp, which
// declares their types and contracts (plugin_entry.cpp hands them to libadvstep). Named apart from
// libadvstep's own entries, so that neither library's calls can bind to the other's.
#pragma once

#include "runtime/cuda_plugin.hpp"

namespace advstep::cuda {

runtime::CudaPlugin::MakeBackend make_gpu_backend;        // cuda_backend.cpp
runtime::CudaPlugin::Available gpus_runnable;             // cuda_backend.cpp
runtime::CudaPlugin::CheckNativeTensor check_gpu_tensor;  // cuda_native.cpp
runtime::CudaPlugin::RunNative run_on_gpu_stream;         // cuda_native.cpp
runtime::CudaPlugin::CheckNativeFaults check_gpu_faults;  // native_enqueued.cpp
runtime::CudaPlugin::RunPostUpdate run_post_update_on_gpu;  // cuda_native.cpp
runtime::CudaPlugin::RunPrepare run_prepare_on_gpu_stream;  // variants/prepare/prepare_cuda.cu

}  // namespace advstep::cuda
