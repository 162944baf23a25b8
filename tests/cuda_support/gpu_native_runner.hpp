// Test support for the GPU suite: one oracle case through the native advstep::advance_step on CUDA
// tensors (cudaMalloc'd), with int32 or int64 seq_lens and block_tables as the case says.
#pragma once

#include <cuda_runtime_api.h>

#include "support/native_runner.hpp"

namespace advstep::testing {

/// As run_native(), with every array in GPU memory and the call on @p stream, under @p options.
NativeResult run_native_on_gpu(const oracle::StepInputs& inputs, bool matrix_layout, cudaStream_t stream,
                               const Options& options = {});

}  // namespace advstep::testing
