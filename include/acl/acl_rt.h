/* The ACL runtime: initialisation, devices, streams, memory and the last error message.
 * Signatures, enum values and status codes are CANN's; the header compiles as C99 and as C++11.
 * Device 0 is the host CPU; with the CUDA backend built and a GPU visible, devices are GPUs.
 * ADVSTEP_DEVICE=cpu|cuda|auto (read once, at the first runtime call; unset means auto) chooses:
 * auto takes the GPUs when there are any; cuda without a usable GPU makes device calls fail with
 * ACL_ERROR_RT_NO_DEVICE (207004) and a message saying why. */
#ifndef ACL_ACL_RT_H_
#define ACL_ACL_RT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl_base.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACL_MAJOR_VERSION 1
#define ACL_MINOR_VERSION 17
#define ACL_PATCH_VERSION 0

typedef enum aclrtRunMode { ACL_DEVICE = 0, ACL_HOST = 1 } aclrtRunMode;

typedef enum aclrtMemcpyKind {
    ACL_MEMCPY_HOST_TO_HOST = 0,
    ACL_MEMCPY_HOST_TO_DEVICE = 1,
    ACL_MEMCPY_DEVICE_TO_HOST = 2,
    ACL_MEMCPY_DEVICE_TO_DEVICE = 3,
    ACL_MEMCPY_DEFAULT = 4,
    ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE = 5,
    ACL_MEMCPY_INNER_DEVICE_TO_DEVICE = 6,
    ACL_MEMCPY_INTER_DEVICE_TO_DEVICE = 7
} aclrtMemcpyKind;

typedef enum aclrtMemMallocPolicy {
    ACL_MEM_MALLOC_HUGE_FIRST = 0,
    ACL_MEM_MALLOC_HUGE_ONLY = 1,
    ACL_MEM_MALLOC_NORMAL_ONLY = 2,
    ACL_MEM_MALLOC_HUGE_FIRST_P2P = 3,
    ACL_MEM_MALLOC_HUGE_ONLY_P2P = 4,
    ACL_MEM_MALLOC_NORMAL_ONLY_P2P = 5,
    ACL_MEM_MALLOC_HUGE1G_ONLY = 6,
    ACL_MEM_MALLOC_HUGE1G_ONLY_P2P = 7,
    ACL_MEM_TYPE_LOW_BAND_WIDTH = 0x0100,
    ACL_MEM_TYPE_HIGH_BAND_WIDTH = 0x1000,
    ACL_MEM_ACCESS_USER_SPACE_READONLY = 0x100000
} aclrtMemMallocPolicy;

/**
 * @brief Initialises the process. Optional here: every runtime call works without it, as in CANN.
 * @param[in] configPath a JSON configuration file, or NULL; it is not read.
 * @return ACL_SUCCESS; ACL_ERROR_REPEAT_INITIALIZE (100002) when already initialised.
 */
ACL_FUNC_VISIBILITY aclError aclInit(const char *configPath);

/**
 * @brief Releases the process's runtime resources: streams and memory still held are freed.
 * @return ACL_SUCCESS; ACL_ERROR_REPEAT_FINALIZE (100037) when called twice.
 */
ACL_FUNC_VISIBILITY aclError aclFinalize(void);

/**
 * @brief Returns, and clears, the calling thread's pending error message.
 * @return "[PID: p] time Title(Code): message" lines, or "" when nothing is pending. The text stays
 *         valid until this thread's next call.
 */
ACL_FUNC_VISIBILITY const char *aclGetRecentErrMsg(void);

/**
 * @brief Binds the calling thread to @p deviceId (reference counted against aclrtResetDevice).
 * @return ACL_SUCCESS; ACL_ERROR_RT_INVALID_DEVICEID (107001) outside [0, aclrtGetDeviceCount).
 */
ACL_FUNC_VISIBILITY aclError aclrtSetDevice(int32_t deviceId);

/** @brief Drops one reference to @p deviceId taken by aclrtSetDevice. @return ACL_SUCCESS or 107001. */
ACL_FUNC_VISIBILITY aclError aclrtResetDevice(int32_t deviceId);

/** @brief Drops every reference to @p deviceId. @return ACL_SUCCESS or 107001. */
ACL_FUNC_VISIBILITY aclError aclrtResetDeviceForce(int32_t deviceId);

/** @param[out] deviceId the calling thread's device (0 when none was set). @return ACL_SUCCESS or 100000. */
ACL_FUNC_VISIBILITY aclError aclrtGetDevice(int32_t *deviceId);

/** @param[out] count the number of devices: 1 (the CPU), or the number of visible GPUs. */
ACL_FUNC_VISIBILITY aclError aclrtGetDeviceCount(uint32_t *count);

/** @param[out] runMode ACL_HOST: the operator runs in this process. */
ACL_FUNC_VISIBILITY aclError aclrtGetRunMode(aclrtRunMode *runMode);

/** @brief Waits for every stream of the current device; reports a pending device fault once. */
ACL_FUNC_VISIBILITY aclError aclrtSynchronizeDevice(void);

/**
 * @brief Creates a stream on the calling thread's device. Work on one stream runs in order.
 * @param[out] stream the new stream. On a GPU it is the cudaStream_t itself, usable with CUDA calls
 *                    (cudaStreamBeginCapture, events) as well.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for a null @p stream.
 */
ACL_FUNC_VISIBILITY aclError aclrtCreateStream(aclrtStream *stream);

/** @brief Same as aclrtCreateStream; priority and flags are accepted and have no effect. */
ACL_FUNC_VISIBILITY aclError aclrtCreateStreamWithConfig(aclrtStream *stream, uint32_t priority, uint32_t flag);

/** @brief Finishes the stream's outstanding work, then destroys it. @return ACL_SUCCESS, 100000 or 107017. */
ACL_FUNC_VISIBILITY aclError aclrtDestroyStream(aclrtStream stream);

/** @brief Destroys the stream, discarding work not yet run. @return ACL_SUCCESS, 100000 or 107017. */
ACL_FUNC_VISIBILITY aclError aclrtDestroyStreamForce(aclrtStream stream);

/**
 * @brief Blocks until every task queued on @p stream (NULL: the default stream) has run.
 * @return ACL_SUCCESS; ACL_ERROR_RT_AICORE_EXCEPTION (507015) once after a data fault of an operator on
 *         this stream (aclGetRecentErrMsg names the row and values); 107017 for an unknown stream.
 */
ACL_FUNC_VISIBILITY aclError aclrtSynchronizeStream(aclrtStream stream);

/**
 * @brief As aclrtSynchronizeStream, giving up after @p timeout milliseconds (-1: wait forever).
 * @return as aclrtSynchronizeStream; ACL_ERROR_RT_STREAM_SYNC_TIMEOUT (507046) on time-out.
 */
ACL_FUNC_VISIBILITY aclError aclrtSynchronizeStreamWithTimeout(aclrtStream stream, int32_t timeout);

/**
 * @brief Allocates @p size bytes of device memory, 64-byte aligned, known to the runtime's block table.
 * @param[out] devPtr the block. @param[in] policy accepted; it has no effect.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for a null @p devPtr or @p size 0;
 *         ACL_ERROR_RT_MEMORY_ALLOCATION (207001) when memory is exhausted.
 */
ACL_FUNC_VISIBILITY aclError aclrtMalloc(void **devPtr, size_t size, aclrtMemMallocPolicy policy);

/** @brief Frees a block from aclrtMalloc. @return ACL_SUCCESS; 100000 for null; 207002 for an unknown pointer. */
ACL_FUNC_VISIBILITY aclError aclrtFree(void *devPtr);

/** @brief Allocates runtime-managed host memory. @return ACL_SUCCESS; 100000; 207001. */
ACL_FUNC_VISIBILITY aclError aclrtMallocHost(void **hostPtr, size_t size);

/** @brief Frees memory from aclrtMallocHost. @return ACL_SUCCESS; 100000; 207002. */
ACL_FUNC_VISIBILITY aclError aclrtFreeHost(void *hostPtr);

/**
 * @brief Copies @p count bytes now, without waiting for any stream.
 * @return ACL_SUCCESS (also for count 0); 100000 for a null pointer or an unknown @p kind;
 *         ACL_ERROR_RT_PARAM_INVALID (107000) when @p count > @p destMax or a device range leaves its block.
 */
ACL_FUNC_VISIBILITY aclError aclrtMemcpy(void *dst, size_t destMax, const void *src, size_t count,
                                         aclrtMemcpyKind kind);

/** @brief As aclrtMemcpy, ordered on @p stream. */
ACL_FUNC_VISIBILITY aclError aclrtMemcpyAsync(void *dst, size_t destMax, const void *src, size_t count,
                                              aclrtMemcpyKind kind, aclrtStream stream);

/** @brief Fills @p count bytes with the byte @p value now. @return ACL_SUCCESS; 100000; 107000. */
ACL_FUNC_VISIBILITY aclError aclrtMemset(void *devPtr, size_t maxCount, int32_t value, size_t count);

/** @brief As aclrtMemset, ordered on @p stream. */
ACL_FUNC_VISIBILITY aclError aclrtMemsetAsync(void *devPtr, size_t maxCount, int32_t value, size_t count,
                                              aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* ACL_ACL_RT_H_ */
