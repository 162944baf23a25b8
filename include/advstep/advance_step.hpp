// The native C++ API: vLLM's advance_step contract over host (or CUDA device) memory.
//
// Tensors say where they live (TensorView::device); every tensor of a call must be on that device.
// Device::kCpu runs in the calling thread. Device::kCuda (a build with the CUDA backend and a visible
// GPU: see device_available()) takes GPU memory (cudaMalloc'd or managed, all on one GPU). There,
// advance_step() enqueues the kernels on `stream` and synchronises `stream` before returning, so it
// reports data faults as exceptions at the call, and refuses a stream being captured into a CUDA
// graph; advance_step_async() only enqueues (capturable, no synchronisation), and
// check_cuda_faults() reports its data faults later.
#pragma once

#include <cstdint>

#include "advstep/export.hpp"
#include "advstep/options.hpp"
#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"
#include "advstep/steps.hpp"
#include "advstep/tensor_view.hpp"

namespace advstep {

/**
 * @brief Advances every sequence of @p step by one step, in place: the variant's struct says which
 * step (DecodeStep, SpeculativeStep, FlashInferStep: steps.hpp has each one's formula and shapes).
 *
 * @param[in,out] step    the variant's tensors and counts; its in/out tensors are written.
 * @param[in]     options semantics (Semantics::kAscend reproduces the Ascend kernels: see options.hpp),
 *                        ascend_cores (0: from the SoC the runtime reports), block_bound. FlashInferStep
 *                        takes vLLM's semantics only, and always bounds block indices by the row.
 * @param[in]     stream  cudaStream_t for CUDA tensors (null: the legacy default stream), which is
 *                        synchronised before the call returns (so a stream being captured into a CUDA
 *                        graph is refused: use advance_step_async()); a stream of another GPU than the
 *                        tensors' is refused; unused on the CPU.
 * @throws Error code kNullPointer, kInvalidArgument or kOutOfRange for bad arguments (options outside
 *         their enumerations, ascend_cores outside [0, 2^31 - 1] under any semantics, int32 tensors
 *         under kAscend, N <= Q under kAscend's decode step, kAscend for FlashInferStep), kDataFault
 *         when a value cannot be advanced (negative length, block index outside the table or row,
 *         negative block id, overflow, a speculative row starting with -1, FlashInfer metadata that
 *         does not fit its tensor). On any error no tensor is modified.
 */
ADVSTEP_API void advance_step(const Step& step, const Options& options = {}, Stream stream = nullptr);

/**
 * @brief advance_step() without waiting: on CUDA tensors the kernels are enqueued on @p stream and
 * the call returns, so it can be captured into a CUDA graph (each captured launch keeps a fault
 * record of its own, for every replay, on any stream). Arguments are checked at the call and throw
 * as advance_step(). A data fault writes nothing and is kept until check_cuda_faults() of the GPU
 * reports it. On CPU tensors it is advance_step() (the CPU completes in the call).
 * @throws Error as advance_step() for bad arguments; kRuntimeError when CUDA refuses the launch.
 */
ADVSTEP_API void advance_step_async(const Step& step, const Options& options = {}, Stream stream = nullptr);

/**
 * @brief Waits for GPU @p gpu (cudaDeviceSynchronize) and reports the data faults of
 * advance_step_async() launches there, eager or replayed from a CUDA graph, since the last check.
 * @throws Error kDataFault with the first fault's message (as advance_step() would give it), followed
 *         by the count of later faulting launches; kInvalidArgument without a usable GPU;
 *         kRuntimeError when CUDA fails. Launches enqueued while it runs are left for the next check.
 */
ADVSTEP_API void check_cuda_faults(int32_t gpu);

/**
 * @brief Whether advance_step() can run on tensors of @p device in this process.
 * @return true for Device::kCpu; for Device::kCuda, true when the library was built with the CUDA
 *         backend and cudaGetDeviceCount() sees at least one GPU (checked once, then remembered).
 *         Independent of ADVSTEP_DEVICE, which only chooses the device of the CANN C API.
 */
ADVSTEP_API bool device_available(Device device);

}  // namespace advstep
