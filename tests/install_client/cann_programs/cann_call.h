/* What every CANN-style call program here shares, written the way CANN's call examples write it:
 * CHECK_RET/LOG_PRINT, runtime set-up, INT64 tensors over aclrtMalloc'd memory, read-back and print.
 * C++11, CANN names only, so the programs build against a CANN toolkit as well. */
#ifndef ADVSTEP_TESTS_CANN_CALL_H_
#define ADVSTEP_TESTS_CANN_CALL_H_

#include <cstdio>
#include <vector>

#include "acl/acl.h"
#include "aclnn/aclnn_base.h"

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

inline int64_t ElementCount(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (size_t d = 0; d < shape.size(); ++d) count *= shape[d];
  return count;
}

/* aclInit, device 0, one stream. */
inline int InitRuntime(int32_t deviceId, aclrtStream* stream) {
  aclError ret = aclInit(nullptr);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclInit failed. ERROR: %d\n", ret); return ret);
  ret = aclrtSetDevice(deviceId);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclrtSetDevice failed. ERROR: %d\n", ret); return ret);
  ret = aclrtCreateStream(stream);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclrtCreateStream failed. ERROR: %d\n", ret); return ret);
  return ACL_SUCCESS;
}

/* One contiguous ND INT64 tensor in device memory, holding @p values. */
struct DeviceInt64 {
  std::vector<int64_t> shape;
  void* address = nullptr;
  aclTensor* tensor = nullptr;
};

inline int MakeTensor(const std::vector<int64_t>& values, const std::vector<int64_t>& shape, DeviceInt64* out) {
  out->shape = shape;
  const size_t bytes = static_cast<size_t>(ElementCount(shape)) * sizeof(int64_t);
  aclError ret = aclrtMalloc(&out->address, bytes, ACL_MEM_MALLOC_HUGE_FIRST);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclrtMalloc failed. ERROR: %d\n", ret); return ret);
  ret = aclrtMemcpy(out->address, bytes, values.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclrtMemcpy failed. ERROR: %d\n", ret); return ret);
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * shape[d + 1];
  out->tensor = aclCreateTensor(shape.data(), shape.size(), ACL_INT64, strides.data(), 0, ACL_FORMAT_ND, shape.data(),
                                shape.size(), out->address);
  CHECK_RET(out->tensor != nullptr, LOG_PRINT("aclCreateTensor failed.\n"); return ACL_ERROR_INVALID_PARAM);
  return ACL_SUCCESS;
}

/* Copies the tensor back and prints one line per element. */
inline void PrintTensor(const char* name, const DeviceInt64& t) {
  std::vector<int64_t> host(static_cast<size_t>(ElementCount(t.shape)), 0);
  const size_t bytes = host.size() * sizeof(int64_t);
  aclError ret = aclrtMemcpy(host.data(), bytes, t.address, bytes, ACL_MEMCPY_DEVICE_TO_HOST);
  CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("copy %s back failed. ERROR: %d\n", name, ret); return);
  for (size_t i = 0; i < host.size(); ++i) LOG_PRINT("%s result[%zu] is: %ld\n", name, i, static_cast<long>(host[i]));
}

inline void Release(DeviceInt64* t) {
  aclDestroyTensor(t->tensor);
  aclrtFree(t->address);
}

/* Queues the operator's second phase on @p stream and waits for it; prints CANN's error lines. */
template <typename Launch>
int RunAndWait(const char* api, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream, Launch launch) {
  void* workspace = nullptr;
  if (workspaceSize > 0) {
    aclError ret = aclrtMalloc(&workspace, workspaceSize, ACL_MEM_MALLOC_HUGE_FIRST);
    CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("allocate workspace failed. ERROR: %d\n", ret); return ret);
  }
  int ret = launch(workspace, workspaceSize, executor, stream);
  if (ret == ACL_SUCCESS) {
    ret = aclrtSynchronizeStream(stream);
    CHECK_RET(ret == ACL_SUCCESS, LOG_PRINT("aclrtSynchronizeStream failed. ERROR: %d\n[ERROR msg]%s\n", ret,
                                            aclGetRecentErrMsg()));
  } else {
    LOG_PRINT("%s failed. ERROR: %d\n[ERROR msg]%s\n", api, ret, aclGetRecentErrMsg());
  }
  if (workspace != nullptr) aclrtFree(workspace);
  return ret;
}

inline void CloseRuntime(int32_t deviceId, aclrtStream stream) {
  aclrtDestroyStream(stream);
  aclrtResetDevice(deviceId);
  aclFinalize();
}

#endif /* ADVSTEP_TESTS_CANN_CALL_H_ */
