/* aclnnAdvanceStep: prepares the next decode step's inputs in place (vLLM's advance_step). */
#ifndef ACLNNOP_ACLNN_ADVANCE_STEP_H_
#define ACLNNOP_ACLNN_ADVANCE_STEP_H_

/* Paths relative to this folder, so that -I <prefix>/include/aclnnop alone finds everything. */
#include "../aclnn/aclnn_base.h"
#include "aclnn_util.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Phase 1: checks the arguments and plans the operator. Nothing is read from or written to the tensors.
 *
 * With N = numSeqs, Q = numQueries, B = blockSize, W = blockTables row length, for each query row i < Q
 * (pos = seqLens[i]): inputTokens[i] = sampledTokenIds[i,0], inputPositions[i] = pos, seqLens[i] = pos + 1,
 * slotMapping[i] = blockTables[i, pos / B] * B + pos % B. Padding rows Q <= j < N: inputTokens[j] = 0,
 * inputPositions[j] = 0, slotMapping[j] = -1, seqLens[j] unchanged.
 *
 * @param[in,out] inputTokens    INT64 [N] or [N, 1].
 * @param[in]     sampledTokenIds INT64 [Q, 1].
 * @param[in,out] inputPositions INT64 [N] or [N, 1].
 * @param[in,out] seqLens        INT64 [N] or [N, 1].
 * @param[in,out] slotMapping    INT64 [N] or [N, 1].
 * @param[in]     blockTables    INT64 [N, W] (or [N]: W = 1).
 * @param[in]     numSeqs        N, 1 <= N < 200000000.
 * @param[in]     numQueries     Q, 1 <= Q < N.
 * @param[in]     blockSize      B >= 1.
 * @param[out]    workspaceSize  device workspace the second phase needs (0; 33554432 under ADVSTEP_SEMANTICS=ascend).
 * @param[out]    executor       the plan, run once by aclnnAdvanceStep.
 * @return ACLNN_SUCCESS; ACLNN_ERR_PARAM_NULLPTR (161001) for a null tensor, workspaceSize or executor;
 *         ACLNN_ERR_PARAM_INVALID (161002) for a dtype other than INT64, a non-contiguous tensor, memory that
 *         is not this runtime's device memory or is too small, or overlapping tensors;
 *         ACLNN_ERR_INNER_TILING_ERROR (561002) for numSeqs, numQueries, blockSize or a shape out of range;
 *         161002 while ADVSTEP_SEMANTICS, ADVSTEP_ASCEND_CORES or ADVSTEP_BLOCK_BOUND names nothing.
 *         aclGetRecentErrMsg() names the parameter, the rule, the expected and the received value.
 */
ACLNN_API aclnnStatus aclnnAdvanceStepGetWorkspaceSize(const aclTensor *inputTokens, const aclTensor *sampledTokenIds,
                                                       const aclTensor *inputPositions, const aclTensor *seqLens,
                                                       const aclTensor *slotMapping, const aclTensor *blockTables,
                                                       int64_t numSeqs, int64_t numQueries, int64_t blockSize,
                                                       uint64_t *workspaceSize, aclOpExecutor **executor);

/**
 * @brief Phase 2: queues the planned update on @p stream. Results are valid after aclrtSynchronizeStream.
 *
 * A data fault (a negative seqLens value, a block index outside blockTables, a negative block id, an
 * overflowing slot) writes nothing; the next aclrtSynchronizeStream of @p stream returns
 * ACL_ERROR_RT_AICORE_EXCEPTION (507015) once, with a message naming the row and values.
 *
 * @param[in] workspace     device memory of @p workspaceSize bytes, or NULL when the size is 0.
 * @param[in] workspaceSize the size phase 1 reported.
 * @param[in] executor      from phase 1; freed after the run unless made repeatable.
 * @param[in] stream        the stream, or NULL for the default stream.
 * @return ACLNN_SUCCESS; 161001 for a null executor or a null workspace with a non-zero size; 161002 for a
 *         workspace smaller than phase 1 asked for, an executor already run, or tensor addresses re-pointed
 *         to memory that fails the phase-1 memory checks; ACLNN_ERR_RUNTIME_ERROR (361001) for an unknown stream
 *         or, on a GPU, a kernel launch CUDA refused.
 */
ACLNN_API aclnnStatus aclnnAdvanceStep(void *workspace, uint64_t workspaceSize, aclOpExecutor *executor,
                                       aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* ACLNNOP_ACLNN_ADVANCE_STEP_H_ */
