// A stream of the ACL runtime on a CUDA GPU: a cudaStream_t and its fault record.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>
#include <mutex>

#include "cuda/fault_record.hpp"
#include "cuda/record_pool.hpp"
#include "runtime/device_backend.hpp"

namespace advstep::cuda {

/// Work goes to the GPU in submission order and runs asynchronously; wait() synchronises the
/// stream and turns a fault the kernels kept into its status, once.
class CudaQueue final : public runtime::DeviceQueue {
 public:
  /// A queue on the calling thread's GPU @p device: a new blocking stream, or the legacy default
  /// stream when @p default_stream. Allocates the fault record (device) and its read-back (pinned) with
  /// allocate_records(): safe while another thread captures a stream, in any capture mode.
  static Status create(int32_t device, bool default_stream, int32_t multiprocessors,
                       std::unique_ptr<runtime::DeviceQueue>& queue);
  ~CudaQueue() override;
  CudaQueue(const CudaQueue&) = delete;
  CudaQueue& operator=(const CudaQueue&) = delete;

  /// The cudaStream_t (null for the default stream), so an aclrtStream works with CUDA calls too.
  [[nodiscard]] void* native_handle() const override { return stream_; }
  Status copy(void* dst, const void* src, size_t count, runtime::CopyDirection direction) override;
  Status fill(void* dst, int32_t value, size_t count) override;
  /// Enqueues the kernels; no synchronisation. Eager launches use the stream's record and allocate
  /// nothing; a launch being captured into a CUDA graph gets a record of its own (see
  /// record_pool.hpp), which wait() reads with the stream's.
  Status run(const core::Plan& plan) override;
  Status wait() override;
  /// cudaLaunchHostFunc on the stream.
  Status call_host(void (*function)(void*), void* args) override;

 private:
  CudaQueue(int32_t device, cudaStream_t stream, bool owns_stream, FaultRecord* record, FaultReport* readback,
            int32_t multiprocessors);

  int32_t device_;
  cudaStream_t stream_;
  bool owns_stream_;
  FaultRecord* record_;    ///< device memory
  FaultReport* readback_;  ///< mapped pinned memory that wait()'s collect writes the report into
  int32_t multiprocessors_;
  RecordPool captured_;  ///< guarded by enqueue_mutex()
  bool launched_ = false;     ///< a launch since the last collect; guarded by enqueue_mutex()
  std::mutex wait_mutex_;     ///< one reader of the records at a time, so a fault is reported once
};

/// Held by everything the library enqueues on a GPU (launches, copies, fills, fault collects, on
/// every stream, the synchronous copies and fills included): a step's check and write kernels stay
/// adjacent, so that no copy of the library's can land between them, even from the legacy default
/// stream, which every blocking stream waits for. Held only while enqueuing (microseconds), never
/// across a call that waits (a synchronisation, a pageable copy, an allocation): every launch of every
/// thread waits for it, and a wait under it could even deadlock on work that itself needs it.
std::mutex& enqueue_mutex();

/// Enqueues on @p stream the collect of @p record into @p readback (allocate_readback()): the fault
/// record's read and clear in one kernel, by the protocol of fault_protocol.hpp. The caller
/// synchronises @p stream, then calls collected_fault(). Fails only when CUDA does.
Status enqueue_collect(FaultRecord* record, FaultReport* readback, cudaStream_t stream);

/// After enqueue_collect() and a synchronisation of its stream: the fault it read as kDataFault, or ok.
Status collected_fault(const FaultReport& readback);

}  // namespace advstep::cuda
