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
#include "advstep/status.hpp"
#include "advstep/tensor_view.hpp"

namespace advstep {

/// The draft-token inputs of speculative decoding (S drafts per sequence, E = S + 1). A member left
/// as a default TensorView (rank 0) is "not given", as a null tensor is in the C API: one given
/// without the other is then refused (kNullPointer), and an empty one ([N, 0]) is refused the same way.
struct SpeculativeInputs {
  TensorView spec_token;    ///< int64 [N, S]: the next step's draft tokens.
  TensorView accepted_num;  ///< int64 [N]: drafts accepted this step, an offset (values above S are valid).
};

/**
 * @brief Advances every sequence by one decode step, in place (vLLM's advance_step_flashattn).
 *
 * With N = num_seqs, Q = num_queries, B = block_size, W = block_tables row length, for each query row
 * i < Q (pos = seq_lens[i]): input_tokens[i] = sampled_token_ids[i, 0], input_positions[i] = pos,
 * seq_lens[i] = pos + 1, slot_mapping[i] = block_tables[i, pos / B] * B + pos % B. Padding rows
 * Q <= j < N: input_tokens[j] = 0, input_positions[j] = 0, slot_mapping[j] = -1, seq_lens[j] unchanged.
 *
 * @param[in,out] input_tokens      int64 [N] or [N, 1].
 * @param[in]     sampled_token_ids int64 [Q, 1].
 * @param[in,out] input_positions   int64 [N] or [N, 1].
 * @param[in,out] seq_lens          int32 or int64 [N] or [N, 1].
 * @param[in,out] slot_mapping      int64 [N] or [N, 1].
 * @param[in]     block_tables      int32 or int64 [N, W].
 * @param[in]     num_seqs          N, 1 <= N < 200000000.
 * @param[in]     num_queries       Q, 1 <= Q <= N.
 * @param[in]     block_size        B >= 1.
 * @param[in]     stream            cudaStream_t for CUDA tensors (null: the legacy default stream), which is
 *                                  synchronised before the call returns (so a stream being captured
 *                                  into a CUDA graph is refused: use advance_step_async()); a stream
 *                                  of another GPU than the tensors' is refused; unused on the CPU.
 * @throws Error code kNullPointer, kInvalidArgument or kOutOfRange for bad arguments, kDataFault when a
 *         value cannot be advanced (negative length, block index outside the table, negative block id,
 *         overflow). On any error no tensor is modified.
 */
ADVSTEP_API void advance_step(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                  const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                  const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                  void* stream = nullptr);

/**
 * @brief The speculative-decoding step: E = S + 1 tokens per sequence, k = i*E + j.
 *
 * p = input_positions[k] + accepted_num[i] + 1; input_positions[k] = p; seq_lens[k] = p + 1;
 * slot_mapping[k] = block_tables[i, p / B] * B + p % B; input_tokens[i*E] = the last token of row i of
 * sampled_token_ids before its first -1 (the last column when it has none); input_tokens[i*E + 1 + s] =
 * spec_token[i, s].
 *
 * @param[in,out] input_tokens, input_positions, slot_mapping int64 [N*E] or [N, E].
 * @param[in,out] seq_lens          int32 or int64 [N*E] or [N, E]; written, not read.
 * @param[in]     sampled_token_ids int64 [N, E]; -1 marks a rejected token.
 * @param[in]     block_tables      int32 or int64 [N, W].
 * @param[in]     num_queries       must equal num_seqs.
 * @param[in]     speculative       spec_token [N, S] and accepted_num [N].
 * @throws Error as advance_step(); kDataFault also for a sampled row starting with -1, or a new position
 *         (input_positions + accepted_num + 1) below 0 or past 2^63 - 1.
 */
ADVSTEP_API void advance_step(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                  const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                  const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                  const SpeculativeInputs& speculative, void* stream = nullptr);

/**
 * @brief advance_step() under chosen semantics (options.hpp): Semantics::kAscend reproduces the Ascend
 *        V1 kernel (slot = (block_tables_flat[pos / B] + W * i) * B + pos % B; only rows i < min(Q, cores)
 *        advanced; only padding rows Q + k * cores written; N > Q required; int64 tensors only);
 *        BlockBound::kRow makes pos / B >= W a data fault naming both sequences.
 * @param[in] options semantics, ascend_cores (0: from the SoC the runtime reports), block_bound.
 * @throws Error as advance_step(); kInvalidArgument for options outside their enumerations, ascend_cores
 *         outside [0, 2^31 - 1] (under any semantics), or int32 seq_lens/block_tables under kAscend;
 *         kOutOfRange for N <= Q under kAscend.
 */
ADVSTEP_API void advance_step(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                  const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                  const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                  const Options& options, void* stream = nullptr);

/**
 * @brief The speculative step under chosen semantics. Semantics::kAscend reproduces the Ascend V2 kernel:
 *        positions, lengths and slots in int32 with wrap-around, the last token as the argmin of the row
 *        (as float) with -1 appended, and, when spec_token or accepted_num is empty, the V1 path instead.
 * @param[in] options as for the plain overload.
 * @throws Error as the speculative advance_step(); under kAscend also kOutOfRange for B >= 2^31.
 */
ADVSTEP_API void advance_step(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                  const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                  const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                  const SpeculativeInputs& speculative, const Options& options, void* stream = nullptr);

/**
 * @brief advance_step() without waiting: on CUDA tensors the kernels are enqueued on @p stream and
 * the call returns, so it can be captured into a CUDA graph (each captured launch keeps a fault
 * record of its own, for every replay, on any stream). Arguments are checked at the call and throw
 * as advance_step(). A data fault writes nothing and is kept until check_cuda_faults() of the GPU
 * reports it. On CPU tensors it is advance_step() (the CPU completes in the call).
 * @throws Error as advance_step() for bad arguments; kRuntimeError when CUDA refuses the launch.
 */
ADVSTEP_API void advance_step_async(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                        const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                        const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                        void* stream);

/// The speculative form of advance_step_async() (see the speculative advance_step()).
ADVSTEP_API void advance_step_async(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                        const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                        const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                        const SpeculativeInputs& speculative, void* stream);

/**
 * @brief advance_step_async() under chosen semantics (see the Options overloads of advance_step()).
 * @throws Error as advance_step_async() and the Options overloads of advance_step().
 */
ADVSTEP_API void advance_step_async(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                        const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                        const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                        const Options& options, void* stream);

/// The speculative advance_step_async() under chosen semantics.
ADVSTEP_API void advance_step_async(const TensorView& input_tokens, const TensorView& sampled_token_ids,
                        const TensorView& input_positions, const TensorView& seq_lens, const TensorView& slot_mapping,
                        const TensorView& block_tables, int64_t num_seqs, int64_t num_queries, int64_t block_size,
                        const SpeculativeInputs& speculative, const Options& options, void* stream);

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
