/* aclnnAdvanceStepV2: advance_step with speculative decoding (1 + S tokens per sequence). */
#ifndef ACLNNOP_ACLNN_ADVANCE_STEP_V2_H_
#define ACLNNOP_ACLNN_ADVANCE_STEP_V2_H_

/* Paths relative to this folder, so that -I <prefix>/include/aclnnop alone finds everything. */
#include "../aclnn/aclnn_base.h"
#include "aclnn_util.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Phase 1 of the speculative advance step. Nothing is read from or written to the tensors.
 *
 * Both optionals absent (NULL or empty): exactly aclnnAdvanceStepGetWorkspaceSize. Exactly one absent: 161001
 * (with ADVSTEP_SEMANTICS=ascend: the V1 path, as the Ascend kernel's tiling does).
 * Both present, with E = S + 1 and k = i*E + j for sequence i < N and column j < E:
 * p = inputPositions[k] + acceptedNum[i] + 1; inputPositions[k] = p; seqLens[k] = p + 1;
 * slotMapping[k] = blockTables[i, p / B] * B + p % B; inputTokens[i*E] = the last token of row i of
 * sampledTokenIds before its first -1 (the last column when it has none);
 * inputTokens[i*E + 1 + s] = specToken[i, s].
 *
 * @param[in,out] inputTokens       INT64 [N*E] or [N, E] (V1 path: [N] or [N, 1]).
 * @param[in]     sampledTokenIds   INT64 [N, E] (V1 path: [Q, 1]); -1 marks a rejected token.
 * @param[in,out] inputPositions    INT64, shaped like inputTokens.
 * @param[in,out] seqLens           INT64, shaped like inputTokens; written, not read, on the speculative path.
 * @param[in,out] slotMapping       INT64, shaped like inputTokens.
 * @param[in]     blockTables       INT64 [N, W].
 * @param[in]     specTokenOptional INT64 [N, S], the next draft tokens, or NULL.
 * @param[in]     acceptedNumOptional INT64 [N], drafts accepted per sequence, or NULL: an offset added to
 *                                     every position of the sequence (values above S are valid).
 * @param[in]     numSeqs           N, 1 <= N < 200000000.
 * @param[in]     numQueries        Q; equal to N on the speculative path.
 * @param[in]     blockSize         B >= 1.
 * @param[out]    workspaceSize     device workspace the second phase needs (0; 33554432 under ADVSTEP_SEMANTICS=ascend).
 * @param[out]    executor          the plan, run once by aclnnAdvanceStepV2.
 * @return as aclnnAdvanceStepGetWorkspaceSize, plus 161001 when exactly one optional is absent and 561002
 *         when numQueries != numSeqs on the speculative path.
 */
ACLNN_API aclnnStatus aclnnAdvanceStepV2GetWorkspaceSize(
    const aclTensor *inputTokens, const aclTensor *sampledTokenIds, const aclTensor *inputPositions,
    const aclTensor *seqLens, const aclTensor *slotMapping, const aclTensor *blockTables,
    const aclTensor *specTokenOptional, const aclTensor *acceptedNumOptional, int64_t numSeqs, int64_t numQueries,
    int64_t blockSize, uint64_t *workspaceSize, aclOpExecutor **executor);

/**
 * @brief Phase 2 of the speculative advance step; as aclnnAdvanceStep. Data faults (also a sampled row
 *        starting with -1, a new position below 0 or past 2^63 - 1) write nothing and surface as 507015 at
 *        the next aclrtSynchronizeStream of @p stream.
 */
ACLNN_API aclnnStatus aclnnAdvanceStepV2(void *workspace, uint64_t workspaceSize, aclOpExecutor *executor,
                                         aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* ACLNNOP_ACLNN_ADVANCE_STEP_V2_H_ */
