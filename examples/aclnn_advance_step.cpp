/**
 * Calls aclnnAdvanceStep the way a CANN operator example does. Only CANN names are used, so this file
 * builds unchanged against a CANN toolkit or against advstep.
 *
 * numSeqs 8, numQueries 4, blockSize 2: rows 0..3 advance, rows 4..7 are padding.
 */
#include <iostream>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step.h"

#define CHECK_RET(cond, return_expr) \
  do {                               \
    if (!(cond)) {                   \
      return_expr;                   \
    }                                \
  } while (0)

#define LOG_PRINT(message, ...)     \
  do {                              \
    printf(message, ##__VA_ARGS__); \
  } while (0)

int64_t GetShapeSize(const std::vector<int64_t>& shape) {
  int64_t shapeSize = 1;
  for (auto i : shape) {
    shapeSize *= i;
  }
  return shapeSize;
}

// Copies a result to the host, prints it on one line, and says whether it holds the expected values.
bool PrintOutResult(const char* name, std::vector<int64_t>& shape, void** deviceAddr,
                    const std::vector<int64_t>& expected) {
  auto size = GetShapeSize(shape);
  std::vector<int64_t> resultData(size, 0);
  auto ret = aclrtMemcpy(resultData.data(), resultData.size() * sizeof(resultData[0]), *deviceAddr,
                         size * sizeof(resultData[0]), ACL_MEMCPY_DEVICE_TO_HOST);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("copy result from device to host failed. ERROR: %d\n", ret); return false);
  LOG_PRINT("%-15s", name);
  for (int64_t i = 0; i < size; i++) {
    LOG_PRINT(" %ld", resultData[i]);
  }
  LOG_PRINT("\n");
  if (resultData == expected) {
    return true;
  }
  for (int64_t i = 0; i < size; i++) {
    if (resultData[i] != expected[i]) {
      LOG_PRINT("  %s[%ld]: expected %ld, got %ld\n", name, i, expected[i], resultData[i]);
      break;
    }
  }
  return false;
}

int Init(int32_t deviceId, aclrtStream* stream) {
  auto ret = aclInit(nullptr);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclInit failed. ERROR: %d\n", ret); return ret);
  ret = aclrtSetDevice(deviceId);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclrtSetDevice failed. ERROR: %d\n", ret); return ret);
  ret = aclrtCreateStream(stream);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclrtCreateStream failed. ERROR: %d\n", ret); return ret);
  return 0;
}

template <typename T>
int CreateAclTensor(const std::vector<T>& hostData, const std::vector<int64_t>& shape, void** deviceAddr,
                    aclDataType dataType, aclTensor** tensor) {
  auto size = GetShapeSize(shape) * sizeof(T);
  auto ret = aclrtMalloc(deviceAddr, size, ACL_MEM_MALLOC_HUGE_FIRST);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclrtMalloc failed. ERROR: %d\n", ret); return ret);
  ret = aclrtMemcpy(*deviceAddr, size, hostData.data(), size, ACL_MEMCPY_HOST_TO_DEVICE);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclrtMemcpy failed. ERROR: %d\n", ret); return ret);

  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; i--) {
    strides[i] = shape[i + 1] * strides[i + 1];
  }
  *tensor = aclCreateTensor(shape.data(), shape.size(), dataType, strides.data(), 0, aclFormat::ACL_FORMAT_ND,
                            shape.data(), shape.size(), *deviceAddr);
  return 0;
}

int main() {
  // 1. Device and stream.
  int32_t deviceId = 0;
  aclrtStream stream;
  auto ret = Init(deviceId, &stream);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("Init acl failed. ERROR: %d\n", ret); return ret);

  // 2. Inputs: eight sequences, four of which sampled a token this step.
  std::vector<int64_t> inputShape = {8, 1};
  std::vector<int64_t> sampledShape = {4, 1};
  std::vector<int64_t> inputTokensHost = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int64_t> sampledTokenIdsHost = {0, 1, 2, 3};
  std::vector<int64_t> inputPositionsHost = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int64_t> seqLensHost = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int64_t> slotMappingHost = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int64_t> blockTablesHost = {0, 1, 2, 3, 4, 5, 6, 7};
  void* inputTokensDeviceAddr = nullptr;
  void* sampledTokenIdsDeviceAddr = nullptr;
  void* inputPositionsDeviceAddr = nullptr;
  void* seqLensDeviceAddr = nullptr;
  void* slotMappingDeviceAddr = nullptr;
  void* blockTablesDeviceAddr = nullptr;
  aclTensor* inputTokens = nullptr;
  aclTensor* sampledTokenIds = nullptr;
  aclTensor* inputPositions = nullptr;
  aclTensor* seqLens = nullptr;
  aclTensor* slotMapping = nullptr;
  aclTensor* blockTables = nullptr;
  int64_t numSeqs = 8;
  int64_t numQueries = 4;
  int64_t blockSize = 2;

  ret = CreateAclTensor(inputTokensHost, inputShape, &inputTokensDeviceAddr, aclDataType::ACL_INT64, &inputTokens);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(sampledTokenIdsHost, sampledShape, &sampledTokenIdsDeviceAddr, aclDataType::ACL_INT64,
                        &sampledTokenIds);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(inputPositionsHost, inputShape, &inputPositionsDeviceAddr, aclDataType::ACL_INT64,
                        &inputPositions);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(seqLensHost, inputShape, &seqLensDeviceAddr, aclDataType::ACL_INT64, &seqLens);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(slotMappingHost, inputShape, &slotMappingDeviceAddr, aclDataType::ACL_INT64, &slotMapping);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(blockTablesHost, inputShape, &blockTablesDeviceAddr, aclDataType::ACL_INT64, &blockTables);
  CHECK_RET(ret == ACL_SUCCESS, return ret);

  // 3. First phase: check the arguments and learn the workspace size.
  uint64_t workspaceSize = 0;
  aclOpExecutor* executor;
  ret = aclnnAdvanceStepGetWorkspaceSize(inputTokens, sampledTokenIds, inputPositions, seqLens, slotMapping,
                                         blockTables, numSeqs, numQueries, blockSize, &workspaceSize, &executor);
  CHECK_RET(ret == ACL_SUCCESS,
            LOG_PRINT("aclnnAdvanceStepGetWorkspaceSize failed. ERROR: %d\n[ERROR msg]%s", ret, aclGetRecentErrMsg());
            return ret);
  void* workspaceAddr = nullptr;
  if (workspaceSize > 0) {
    ret = aclrtMalloc(&workspaceAddr, workspaceSize, ACL_MEM_MALLOC_HUGE_FIRST);
    CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("allocate workspace failed. ERROR: %d\n", ret); return ret);
  }

  // 4. Second phase: queue the operator, then wait for the stream.
  ret = aclnnAdvanceStep(workspaceAddr, workspaceSize, executor, stream);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclnnAdvanceStep failed. ERROR: %d\n", ret); return ret);
  ret = aclrtSynchronizeStream(stream);
  CHECK_RET(ret == ACL_SUCCESS,
            LOG_PRINT("aclrtSynchronizeStream failed. ERROR: %d\n[ERROR msg]%s", ret, aclGetRecentErrMsg());
            return ret);

  // 5. The four updated tensors, against spec section 2 worked by hand: row i < 4 sits at position i and
  //    reads block bt[i * 1 + i / 2] (the [8, 1] table is read past each row, as vLLM and CANN do);
  //    padding rows 4..7 get token 0, position 0, slot -1 and keep their lengths.
  bool matches = PrintOutResult("inputTokens", inputShape, &inputTokensDeviceAddr, {0, 1, 2, 3, 0, 0, 0, 0});
  matches &= PrintOutResult("inputPositions", inputShape, &inputPositionsDeviceAddr, {0, 1, 2, 3, 0, 0, 0, 0});
  matches &= PrintOutResult("seqLens", inputShape, &seqLensDeviceAddr, {1, 2, 3, 4, 4, 5, 6, 7});
  matches &= PrintOutResult("slotMapping", inputShape, &slotMappingDeviceAddr, {0, 3, 6, 9, -1, -1, -1, -1});
  LOG_PRINT("%s\n", matches ? "aclnnAdvanceStep: all four outputs match the expected values"
                            : "aclnnAdvanceStep: the outputs do NOT match the expected values");

  // 6. Release tensors, device memory, stream and device, in that order.
  aclDestroyTensor(inputTokens);
  aclDestroyTensor(sampledTokenIds);
  aclDestroyTensor(inputPositions);
  aclDestroyTensor(seqLens);
  aclDestroyTensor(slotMapping);
  aclDestroyTensor(blockTables);
  aclrtFree(inputTokensDeviceAddr);
  aclrtFree(sampledTokenIdsDeviceAddr);
  aclrtFree(inputPositionsDeviceAddr);
  aclrtFree(seqLensDeviceAddr);
  aclrtFree(slotMappingDeviceAddr);
  aclrtFree(blockTablesDeviceAddr);
  if (workspaceSize > 0) {
    aclrtFree(workspaceAddr);
  }
  aclrtDestroyStream(stream);
  aclrtResetDevice(deviceId);
  aclFinalize();
  return matches ? 0 : 1;
}
