/* The ACL runtime: initialisation, devices, contexts, streams, events, memory and the last error message.
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

/* Event flags of aclrtCreateEventWithFlag, combined with |. */
#define ACL_EVENT_SYNC 0x00000001U
#define ACL_EVENT_CAPTURE_STREAM_PROGRESS 0x00000002U
#define ACL_EVENT_TIME_LINE 0x00000008U
#define ACL_EVENT_DEVICE_USE_ONLY 0x00000010U
#define ACL_EVENT_EXTERNAL 0x00000020U
#define ACL_EVENT_IPC 0x00000040U

typedef enum aclrtEventRecordedStatus {
    ACL_EVENT_RECORDED_STATUS_NOT_READY = 0,
    ACL_EVENT_RECORDED_STATUS_COMPLETE = 1
} aclrtEventRecordedStatus;

typedef enum aclrtEventWaitStatus {
    ACL_EVENT_WAIT_STATUS_COMPLETE = 0,
    ACL_EVENT_WAIT_STATUS_NOT_READY = 1,
    ACL_EVENT_WAIT_STATUS_RESERVED = 0xFFFF
} aclrtEventWaitStatus;

/* Which memory aclrtGetMemInfo reports: DDR is the host's, HBM the device's. */
typedef enum aclrtMemAttr {
    ACL_DDR_MEM = 0,
    ACL_HBM_MEM = 1,
    ACL_DDR_MEM_HUGE = 2,
    ACL_DDR_MEM_NORMAL = 3,
    ACL_HBM_MEM_HUGE = 4,
    ACL_HBM_MEM_NORMAL = 5,
    ACL_DDR_MEM_P2P_HUGE = 6,
    ACL_DDR_MEM_P2P_NORMAL = 7,
    ACL_HBM_MEM_P2P_HUGE = 8,
    ACL_HBM_MEM_P2P_NORMAL = 9,
    ACL_HBM_MEM_HUGE1G = 10,
    ACL_HBM_MEM_P2P_HUGE1G = 11,
    ACL_MEM_NORMAL = 12,
    ACL_MEM_HUGE = 13,
    ACL_MEM_HUGE1G = 14,
    ACL_MEM_P2P_NORMAL = 15,
    ACL_MEM_P2P_HUGE = 16,
    ACL_MEM_P2P_HUGE1G = 17
} aclrtMemAttr;

/* A host function run in a stream's order (aclrtLaunchHostFunc). */
typedef void (*aclrtHostFunc)(void *args);

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

/**
 * @brief Runs @p fn(@p args) on the host in @p stream's order: after the work queued before it, before
 *        the work queued after it. On the host device it runs in the stream's thread of execution (at
 *        once on an eager stream, at synchronisation on a deferred one); on a GPU it is cudaLaunchHostFunc.
 * @param[in] stream the stream (NULL: the default stream). @param[in] fn must not call the runtime.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for a null @p fn; 107017 for an unknown stream.
 */
ACL_FUNC_VISIBILITY aclError aclrtLaunchHostFunc(aclrtStream stream, aclrtHostFunc fn, void *args);

/**
 * @brief Obtains the free and total bytes of a kind of memory of the calling thread's device.
 * @param[in] attr ACL_DDR_MEM* : the host's memory; ACL_HBM_MEM* and ACL_MEM_* : the device's memory
 *                 (the host's own on the host device, cudaMemGetInfo on a GPU).
 * @param[out] free bytes available now. @param[out] total bytes in all.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for a null @p free or @p total or an @p attr
 *         outside aclrtMemAttr; ACL_ERROR_RT_NO_DEVICE (207004) when the device cannot be used.
 */
ACL_FUNC_VISIBILITY aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t *free, size_t *total);

/* ---- Contexts: a context names a device; a thread works in one context at a time. ---- */

/**
 * @brief Creates a context on @p deviceId and makes it the calling thread's current context (the
 *        thread's device becomes @p deviceId; on a GPU, CUDA's current device too).
 * @param[out] context the new context. @param[in] deviceId 0 .. aclrtGetDeviceCount - 1.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for a null @p context;
 *         ACL_ERROR_RT_INVALID_DEVICEID (107001) for a device that does not exist;
 *         ACL_ERROR_RT_NO_DEVICE (207004) when the device cannot be used.
 */
ACL_FUNC_VISIBILITY aclError aclrtCreateContext(aclrtContext *context, int32_t deviceId);

/**
 * @brief Destroys a context made by aclrtCreateContext. Threads whose current context it was have none
 *        afterwards (aclrtGetCurrentContext returns 107002); their device stays as it was.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for NULL; ACL_ERROR_RT_PARAM_INVALID (107000)
 *         for a handle that is not a live context from aclrtCreateContext (a device's default context
 *         included: aclrtResetDevice releases that one).
 */
ACL_FUNC_VISIBILITY aclError aclrtDestroyContext(aclrtContext context);

/**
 * @brief Makes @p context the calling thread's current context; the thread's device becomes its device.
 *        Other threads are not affected: the current context is per thread.
 * @param[in] context from aclrtCreateContext, or a device's default context from aclrtGetCurrentContext.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for NULL; ACL_ERROR_RT_PARAM_INVALID (107000)
 *         for a destroyed or unknown context; ACL_ERROR_RT_NO_DEVICE (207004) when the device cannot be used.
 */
ACL_FUNC_VISIBILITY aclError aclrtSetCurrentContext(aclrtContext context);

/**
 * @brief Obtains the calling thread's current context: the last one set or created on this thread,
 *        or, after aclrtSetDevice, that device's default context.
 * @param[out] context the context.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for a null @p context;
 *         ACL_ERROR_RT_CONTEXT_NULL (107002) when the thread has none (or it was destroyed).
 */
ACL_FUNC_VISIBILITY aclError aclrtGetCurrentContext(aclrtContext *context);

/* ---- Events: a point in a stream's order, to time work and to order streams. ---- */

/**
 * @brief Creates an event that records a time stamp and that streams may wait for (as CANN's default
 *        event: ACL_EVENT_SYNC | ACL_EVENT_TIME_LINE behaviour). On a GPU it is a cudaEvent_t and the
 *        handle is that cudaEvent_t, usable with CUDA calls too.
 * @param[out] event the new event, never recorded.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for a null @p event;
 *         ACL_ERROR_RT_NO_DEVICE (207004) when the device cannot be used.
 */
ACL_FUNC_VISIBILITY aclError aclrtCreateEvent(aclrtEvent *event);

/**
 * @brief Creates an event with @p flag, an | of ACL_EVENT_SYNC (streams may wait for it and it may be
 *        reset), ACL_EVENT_TIME_LINE (it records a time stamp, for aclrtEventElapsedTime) and
 *        ACL_EVENT_CAPTURE_STREAM_PROGRESS (accepted; no effect here). Without ACL_EVENT_TIME_LINE a
 *        GPU event is made with cudaEventDisableTiming.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for a null @p event;
 *         ACL_ERROR_RT_PARAM_INVALID (107000) for 0 or bits outside 0x3F, or ACL_EVENT_DEVICE_USE_ONLY /
 *         ACL_EVENT_EXTERNAL combined with another flag; ACL_ERROR_RT_FEATURE_NOT_SUPPORT (207000) for
 *         ACL_EVENT_DEVICE_USE_ONLY and ACL_EVENT_EXTERNAL, which this runtime does not support.
 */
ACL_FUNC_VISIBILITY aclError aclrtCreateEventWithFlag(aclrtEvent *event, uint32_t flag);

/**
 * @brief Destroys an event. Work already queued that records or waits for it still completes.
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for NULL; ACL_ERROR_RT_INVALID_HANDLE (107017)
 *         for a handle that is not a live event (destroyed, or never created).
 */
ACL_FUNC_VISIBILITY aclError aclrtDestroyEvent(aclrtEvent event);

/**
 * @brief Records @p event at the current end of @p stream: it completes when the work queued on
 *        @p stream before this call has run. An eager host stream completes it at once; a deferred one
 *        when that work runs (at synchronisation, or when aclrtSynchronizeEvent or a waiting stream
 *        needs it); a GPU when it reaches it (cudaEventRecord). A new record replaces the previous one.
 * @param[in] event a live event. @param[in] stream the stream (NULL: the default stream).
 * @return ACL_SUCCESS; ACL_ERROR_INVALID_PARAM (100000) for a null @p event; ACL_ERROR_RT_INVALID_HANDLE
 *         (107017) for an unknown event or stream.
 */
ACL_FUNC_VISIBILITY aclError aclrtRecordEvent(aclrtEvent event, aclrtStream stream);

/**
 * @brief Returns @p event to its never-recorded state once the work queued on @p stream before this
 *        call has run (so typically after aclrtStreamWaitEvent on that stream).
 * @return ACL_SUCCESS; 100000 for a null @p event; 107017 for an unknown event or stream;
 *         ACL_ERROR_RT_FEATURE_NOT_SUPPORT (207000) for an event made without ACL_EVENT_SYNC.
 */
ACL_FUNC_VISIBILITY aclError aclrtResetEvent(aclrtEvent event, aclrtStream stream);

/**
 * @brief Whether the work captured by the event's last record has run; does not wait.
 * @param[out] status ACL_EVENT_RECORDED_STATUS_COMPLETE, or ACL_EVENT_RECORDED_STATUS_NOT_READY while it
 *             has not, and also for an event never recorded or reset (as CANN reports those).
 * @return ACL_SUCCESS; 100000 for a null @p event or @p status; 107017 for an unknown event.
 */
ACL_FUNC_VISIBILITY aclError aclrtQueryEventStatus(aclrtEvent event, aclrtEventRecordedStatus *status);

/**
 * @brief Whether every aclrtStreamWaitEvent on @p event has been passed by its stream.
 * @param[out] status ACL_EVENT_WAIT_STATUS_COMPLETE (also when nothing waits) or
 *             ACL_EVENT_WAIT_STATUS_NOT_READY.
 * @return ACL_SUCCESS; 100000 for a null @p event or @p status; 107017 for an unknown event.
 */
ACL_FUNC_VISIBILITY aclError aclrtQueryEventWaitStatus(aclrtEvent event, aclrtEventWaitStatus *status);

/**
 * @brief Blocks until the work captured by the event's last record has run. On a deferred host
 *        stream it runs that work (and nothing queued after the record). Returns at once for an event
 *        never recorded.
 * @return ACL_SUCCESS; 100000 for a null @p event; 107017 for an unknown event; a device failure
 *         (e.g. 507000) on a GPU.
 */
ACL_FUNC_VISIBILITY aclError aclrtSynchronizeEvent(aclrtEvent event);

/**
 * @brief Milliseconds from @p startEvent's completion to @p endEvent's (host: std::chrono::steady_clock
 *        at the moment the recorded work had run, negative when the end completed first; GPU:
 *        cudaEventElapsedTime). Neither event is waited for.
 * @param[out] ms the time. @param[in] startEvent, endEvent events made with a time stamp.
 * @return ACL_SUCCESS; 100000 for a null pointer; 107017 for an unknown event;
 *         ACL_ERROR_RT_INTERNAL_ERROR (507000) when an event was never recorded (or was reset), as CANN;
 *         ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID (107006) when an event has not completed yet or was made by
 *         aclrtCreateEventWithFlag without ACL_EVENT_TIME_LINE.
 */
ACL_FUNC_VISIBILITY aclError aclrtEventElapsedTime(float *ms, aclrtEvent startEvent, aclrtEvent endEvent);

/**
 * @brief Makes the work queued on @p stream after this call wait until @p event's last record (as of
 *        this call) has completed; the host does not block. On deferred host streams the recording
 *        stream's work up to the record is run when @p stream's wait is reached; on a GPU it is
 *        cudaStreamWaitEvent. Waiting for an event never recorded is a no-op.
 * @param[in] stream the waiting stream (NULL: the default stream). @param[in] event a live event.
 * @return ACL_SUCCESS; 100000 for a null @p event; 107017 for an unknown event or stream;
 *         ACL_ERROR_RT_FEATURE_NOT_SUPPORT (207000) for an event made without ACL_EVENT_SYNC.
 */
ACL_FUNC_VISIBILITY aclError aclrtStreamWaitEvent(aclrtStream stream, aclrtEvent event);

#ifdef __cplusplus
}
#endif

#endif /* ACL_ACL_RT_H_ */
