/* aclnnAdvanceStep called as a CANN program calls it, built from an installed prefix by CANN's own
 * build lines. Eight sequences, five of which sampled a token (rows 5..7 are padding), blockSize 4,
 * and an [8, 1] block table: with the whole table as the bound (spec 4.1), a row whose position has
 * left its one-block row reads its block id further down the table, as CANN's V1 example relies on. */
#include "cann_call.h"
#include "aclnnop/aclnn_advance_step.h"

int main() {
  int32_t deviceId = 0;
  aclrtStream stream = nullptr;
  int ret = InitRuntime(deviceId, &stream);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("InitRuntime failed. ERROR: %d\n", ret); return ret);

  const int64_t numSeqs = 8;
  const int64_t numQueries = 5;
  const int64_t blockSize = 4;
  DeviceInt64 inputTokens, sampledTokenIds, inputPositions, seqLens, slotMapping, blockTables;
  ret = MakeTensor({-1, -1, -1, -1, -1, -1, -1, -1}, {numSeqs, 1}, &inputTokens);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({101, 102, 103, 104, 105}, {numQueries, 1}, &sampledTokenIds);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({-1, -1, -1, -1, -1, -1, -1, -1}, {numSeqs, 1}, &inputPositions);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({0, 5, 2, 9, 6, 11, 3, 8}, {numSeqs, 1}, &seqLens);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({7, 7, 7, 7, 7, 7, 7, 7}, {numSeqs, 1}, &slotMapping);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = MakeTensor({3, 9, 2, 7, 5, 0, 4, 1}, {numSeqs, 1}, &blockTables);
  CHECK_RET(ret == ACL_SUCCESS, return ret);

  uint64_t workspaceSize = 0;
  aclOpExecutor* executor = nullptr;
  ret = aclnnAdvanceStepGetWorkspaceSize(inputTokens.tensor, sampledTokenIds.tensor, inputPositions.tensor,
                                         seqLens.tensor, slotMapping.tensor, blockTables.tensor, numSeqs, numQueries,
                                         blockSize, &workspaceSize, &executor);
  CHECK_RET(ret == ACL_SUCCESS,
            LOG_PRINT("aclnnAdvanceStepGetWorkspaceSize failed. ERROR: %d\n[ERROR msg]%s\n", ret, aclGetRecentErrMsg());
            return ret);
  ret = RunAndWait("aclnnAdvanceStep", workspaceSize, executor, stream, aclnnAdvanceStep);
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
  CloseRuntime(deviceId, stream);
  return 0;
}
