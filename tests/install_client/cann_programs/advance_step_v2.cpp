/* aclnnAdvanceStepV2 (speculative decoding) called as a CANN program calls it, built from an installed
 * prefix by CANN's own build lines. Four sequences with one draft token each (S = 1, E = 2 tokens per
 * sequence), blockSize 4, a [4, 4] block table, and acceptedNum values above S: acceptedNum is an
 * offset added to each position (spec 3), as CANN's V2 example passes 0..7 with S = 1. */
#include "cann_call.h"
#include "aclnnop/aclnn_advance_step_v2.h"

int main() {
  int32_t deviceId = 0;
  aclrtStream stream = nullptr;
  int ret = InitRuntime(deviceId, &stream);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("InitRuntime failed. ERROR: %d\n", ret); return ret);

  const int64_t numSeqs = 4;
  const int64_t numQueries = 4;
  const int64_t blockSize = 4;
  const int64_t tokensPerSeq = 2;  // 1 + S
  DeviceInt64 inputTokens, sampledTokenIds, inputPositions, seqLens, slotMapping, blockTables, specToken,
      acceptedNum;
  ret = MakeTensor({0, 0, 0, 0, 0, 0, 0, 0}, {numSeqs * tokensPerSeq}, &inputTokens);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  // Row 1 and row 3 end early (-1): their last token is the one before it.
  ret = MakeTensor({501, 502, 601, -1, 701, 702, 801, -1}, {numSeqs, tokensPerSeq}, &sampledTokenIds);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({3, 4, 10, 11, 1, 2, 0, 1}, {numSeqs * tokensPerSeq}, &inputPositions);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({0, 0, 0, 0, 0, 0, 0, 0}, {numSeqs * tokensPerSeq}, &seqLens);  // not read on this path
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({-7, -7, -7, -7, -7, -7, -7, -7}, {numSeqs * tokensPerSeq}, &slotMapping);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33, 40, 41, 42, 43}, {numSeqs, 4}, &blockTables);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({51, 61, 71, 81}, {numSeqs, tokensPerSeq - 1}, &specToken);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({2, 0, 7, 4}, {numSeqs}, &acceptedNum);
  CHECK_RET(ret == ACL_SUCCESS, return ret);

  uint64_t workspaceSize = 0;
  aclOpExecutor* executor = nullptr;
  ret = aclnnAdvanceStepV2GetWorkspaceSize(inputTokens.tensor, sampledTokenIds.tensor, inputPositions.tensor,
                                           seqLens.tensor, slotMapping.tensor, blockTables.tensor, specToken.tensor,
                                           acceptedNum.tensor, numSeqs, numQueries, blockSize, &workspaceSize,
                                           &executor);
  CHECK_RET(ret == ACL_SUCCESS,
            LOG_PRINT("aclnnAdvanceStepV2GetWorkspaceSize failed. ERROR: %d\n[ERROR msg]%s\n", ret,
                      aclGetRecentErrMsg());
            return ret);
  ret = RunAndWait("aclnnAdvanceStepV2", workspaceSize, executor, stream, aclnnAdvanceStepV2);
  CHECK_RET(ret == ACL_SUCCESS, return ret);

  PrintTensor("inputTokens", inputTokens);
  PrintTensor("inputPositions", inputPositions);
  PrintTensor("seqLens", seqLens);
  PrintTensor("slotMapping", slotMapping);

  Release(&inputTokens);
  Release(&sampledTokenIds);
  Release(&inputPositions);
  Release(&seqLens);
  Release(&slotMapping);
  Release(&blockTables);
  Release(&specToken);
  Release(&acceptedNum);
  CloseRuntime(deviceId, stream);
  return 0;
}
