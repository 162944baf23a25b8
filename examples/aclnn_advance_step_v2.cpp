/**
 * Calls aclnnAdvanceStepV2 (speculative decoding) the way a CANN operator example does. Only CANN
 * names are used, so this file builds unchanged against a CANN toolkit or against advstep.
 *
 * Eight sequences, one draft token each (S = 1, E = 2 tokens per sequence). acceptedNum is an offset
 * added to every position of the sequence, not a count bounded by S: as in CANN's own V2 example,
 * sequence i adds i (0..7), most of them above S.
 */
#include <iostream>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step_v2.h"

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

  // 2. Inputs: numSeqs = numQueries = 8, specNum 1, so every per-token tensor holds 8 * 2 values.
  //    Sequence i holds positions 2i, 2i + 1, its blocks are 100 + 10i + b, its sampled row ends early
  //    (a rejected draft, -1) when i is odd, its next draft token is 3000 + i, and it accepted i tokens.
  int64_t numSeqs = 8;
  int64_t numQueries = 8;
  int64_t blockSize = 8;
  int64_t specNum = 1;
  int64_t tableWidth = 4;
  std::vector<int64_t> tokenShape = {numSeqs * (specNum + 1)};
  std::vector<int64_t> sampledShape = {numSeqs, specNum + 1};
  std::vector<int64_t> blockTablesShape = {numSeqs, tableWidth};
  std::vector<int64_t> specTokenShape = {numSeqs, specNum};
  std::vector<int64_t> acceptedNumShape = {numSeqs};
  std::vector<int64_t> inputTokensHost(GetShapeSize(tokenShape), 0);
  std::vector<int64_t> sampledTokenIdsHost;
  std::vector<int64_t> inputPositionsHost;
  std::vector<int64_t> seqLensHost(GetShapeSize(tokenShape), 0);
  std::vector<int64_t> slotMappingHost(GetShapeSize(tokenShape), 0);
  std::vector<int64_t> blockTablesHost;
  std::vector<int64_t> specTokenHost;
  std::vector<int64_t> acceptedNumHost;
  for (int64_t i = 0; i < numSeqs; i++) {
    sampledTokenIdsHost.insert(sampledTokenIdsHost.end(), {1000 + i, i % 2 == 0 ? 2000 + i : -1});
    inputPositionsHost.insert(inputPositionsHost.end(), {2 * i, 2 * i + 1});
    for (int64_t b = 0; b < tableWidth; b++) {
      blockTablesHost.push_back(100 + 10 * i + b);
    }
    specTokenHost.push_back(3000 + i);
    acceptedNumHost.push_back(i);
  }
  void* inputTokensDeviceAddr = nullptr;
  void* sampledTokenIdsDeviceAddr = nullptr;
  void* inputPositionsDeviceAddr = nullptr;
  void* seqLensDeviceAddr = nullptr;
  void* slotMappingDeviceAddr = nullptr;
  void* blockTablesDeviceAddr = nullptr;
  void* specTokenDeviceAddr = nullptr;
  void* acceptedNumDeviceAddr = nullptr;
  aclTensor* inputTokens = nullptr;
  aclTensor* sampledTokenIds = nullptr;
  aclTensor* inputPositions = nullptr;
  aclTensor* seqLens = nullptr;
  aclTensor* slotMapping = nullptr;
  aclTensor* blockTables = nullptr;
  aclTensor* specToken = nullptr;
  aclTensor* acceptedNum = nullptr;

  ret = CreateAclTensor(inputTokensHost, tokenShape, &inputTokensDeviceAddr, aclDataType::ACL_INT64, &inputTokens);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(sampledTokenIdsHost, sampledShape, &sampledTokenIdsDeviceAddr, aclDataType::ACL_INT64,
                        &sampledTokenIds);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(inputPositionsHost, tokenShape, &inputPositionsDeviceAddr, aclDataType::ACL_INT64,
                        &inputPositions);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(seqLensHost, tokenShape, &seqLensDeviceAddr, aclDataType::ACL_INT64, &seqLens);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(slotMappingHost, tokenShape, &slotMappingDeviceAddr, aclDataType::ACL_INT64, &slotMapping);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(blockTablesHost, blockTablesShape, &blockTablesDeviceAddr, aclDataType::ACL_INT64,
                        &blockTables);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(specTokenHost, specTokenShape, &specTokenDeviceAddr, aclDataType::ACL_INT64, &specToken);
  CHECK_RET(ret == ACL_SUCCESS, return ret);
  ret = CreateAclTensor(acceptedNumHost, acceptedNumShape, &acceptedNumDeviceAddr, aclDataType::ACL_INT64,
                        &acceptedNum);
  CHECK_RET(ret == ACL_SUCCESS, return ret);

  // 3. First phase: check the arguments and learn the workspace size.
  uint64_t workspaceSize = 0;
  aclOpExecutor* executor;
  ret = aclnnAdvanceStepV2GetWorkspaceSize(inputTokens, sampledTokenIds, inputPositions, seqLens, slotMapping,
                                           blockTables, specToken, acceptedNum, numSeqs, numQueries, blockSize,
                                           &workspaceSize, &executor);
  CHECK_RET(ret == ACL_SUCCESS,
            LOG_PRINT("aclnnAdvanceStepV2GetWorkspaceSize failed. ERROR: %d\n[ERROR msg]%s", ret,
                      aclGetRecentErrMsg());
            return ret);
  void* workspaceAddr = nullptr;
  if (workspaceSize > 0) {
    ret = aclrtMalloc(&workspaceAddr, workspaceSize, ACL_MEM_MALLOC_HUGE_FIRST);
    CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("allocate workspace failed. ERROR: %d\n", ret); return ret);
  }

  // 4. Second phase: queue the operator, then wait for the stream.
  ret = aclnnAdvanceStepV2(workspaceAddr, workspaceSize, executor, stream);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclnnAdvanceStepV2 failed. ERROR: %d\n", ret); return ret);
  ret = aclrtSynchronizeStream(stream);
  CHECK_RET(ret == ACL_SUCCESS,
            LOG_PRINT("aclrtSynchronizeStream failed. ERROR: %d\n[ERROR msg]%s", ret, aclGetRecentErrMsg());
            return ret);

  // 5. The four updated tensors, against spec section 3 worked by hand: sequence i moves to positions
  //    2i + i + 1 and 2i + 1 + i + 1; e.g. sequence 2 reaches 7 and 8, the last slot of block 120
  //    (120 * 8 + 7 = 967) and the first of block 121 (968). Its tokens are the last sampled one before
  //    a -1 (2000 + i, or 1000 + i when i is odd), then the draft 3000 + i.
  bool matches = PrintOutResult("inputTokens", tokenShape, &inputTokensDeviceAddr,
                                {2000, 3000, 1001, 3001, 2002, 3002, 1003, 3003, 2004, 3004, 1005, 3005, 2006, 3006,
                                 1007, 3007});
  matches &= PrintOutResult("inputPositions", tokenShape, &inputPositionsDeviceAddr,
                            {1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22, 23});
  matches &= PrintOutResult("seqLens", tokenShape, &seqLensDeviceAddr,
                            {2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24});
  matches &= PrintOutResult("slotMapping", tokenShape, &slotMappingDeviceAddr,
                            {801, 802, 884, 885, 967, 968, 1050, 1051, 1133, 1134, 1216, 1217, 1299, 1300, 1382, 1383});
  LOG_PRINT("%s\n", matches ? "aclnnAdvanceStepV2: all four outputs match the expected values"
                            : "aclnnAdvanceStepV2: the outputs do NOT match the expected values");

  // 6. Release tensors, device memory, stream and device, in that order.
  aclDestroyTensor(inputTokens);
  aclDestroyTensor(sampledTokenIds);
  aclDestroyTensor(inputPositions);
  aclDestroyTensor(seqLens);
  aclDestroyTensor(slotMapping);
  aclDestroyTensor(blockTables);
  aclDestroyTensor(specToken);
  aclDestroyTensor(acceptedNum);
  aclrtFree(inputTokensDeviceAddr);
  aclrtFree(sampledTokenIdsDeviceAddr);
  aclrtFree(inputPositionsDeviceAddr);
  aclrtFree(seqLensDeviceAddr);
  aclrtFree(slotMappingDeviceAddr);
  aclrtFree(blockTablesDeviceAddr);
  aclrtFree(specTokenDeviceAddr);
  aclrtFree(acceptedNumDeviceAddr);
  if (workspaceSize > 0) {
    aclrtFree(workspaceAddr);
  }
  aclrtDestroyStream(stream);
  aclrtResetDevice(deviceId);
  aclFinalize();
  return matches ? 0 : 1;
}
