#include "cuda/record_pool.hpp"

#include <cstddef>
#include <string>
#include <vector>

#include "cuda/cuda_status.hpp"

namespace advstep::cuda {
namespace {

/// Switches the calling thread to relaxed capture mode for the guard's lifetime, so that a
/// capture in progress (in global or thread-local mode) lets cudaMalloc through.
class RelaxedCapture {
 public:
  RelaxedCapture() { error_ = cudaThreadExchangeStreamCaptureMode(&mode_); }
  ~RelaxedCapture() {
    if (error_ == cudaSuccess) (void)cudaThreadExchangeStreamCaptureMode(&mode_);
  }
  RelaxedCapture(const RelaxedCapture&) = delete;
  RelaxedCapture& operator=(const RelaxedCapture&) = delete;

  [[nodiscard]] cudaError_t error() const { return error_; }

 private:
  cudaStreamCaptureMode mode_ = cudaStreamCaptureModeRelaxed;
  cudaError_t error_ = cudaSuccess;
};

}  // namespace

void merge_report(FaultReport& first, const FaultReport& next) {
  if (next.claimed == 0) return;
  if (first.claimed == 0) {
    first = next;
    return;
  }
  first.later += 1 + next.later;
}

Status allocate_records(size_t count, FaultRecord*& records, FaultReport*& readback) {
  const RelaxedCapture relaxed;
  if (relaxed.error() != cudaSuccess) return failure("cudaThreadExchangeStreamCaptureMode failed", relaxed.error());
  const size_t bytes = count * sizeof(FaultRecord);
  void* device = nullptr;
  FaultReport* host = nullptr;
  if (cudaError_t e = cudaMalloc(&device, bytes); e != cudaSuccess)
    return failure("cudaMalloc of fault records failed", e);
  if (cudaError_t e = allocate_readback(count, host); e != cudaSuccess) {
    (void)cudaFree(device);
    return failure("cudaHostAlloc of fault read-backs failed", e);
  }
  // The initial state by two fills (all zero, then launch_key and verdict kNoFault, all ones, in
  // every record), on a non-blocking side stream: neither ordered with a capturing stream nor
  // captured, and no staging copy in host memory.
  static_assert(offsetof(FaultRecord, verdict) == offsetof(FaultRecord, launch_key) + sizeof(unsigned long long) &&
                    kNoFault == ~0ull,
                "launch_key and verdict are filled with ones together");
  auto* first = static_cast<FaultRecord*>(device);
  cudaStream_t side = nullptr;
  cudaError_t error = cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
  if (error == cudaSuccess) error = cudaMemsetAsync(device, 0, bytes, side);
  if (error == cudaSuccess) {
    error =
        cudaMemset2DAsync(&first->launch_key, sizeof(FaultRecord), 0xFF, 2 * sizeof(unsigned long long), count, side);
  }
  if (error == cudaSuccess) error = cudaStreamSynchronize(side);
  if (side != nullptr) (void)cudaStreamDestroy(side);
  if (error != cudaSuccess) {
    (void)cudaFree(device);
    (void)cudaFreeHost(host);
    return failure("initialising fault records failed", error);
  }
  records = first;
  readback = host;
  return {};
}

Status RecordPool::take(std::unique_lock<std::mutex>& lock, FaultRecord*& record) {
  for (;;) {
    while (next_ < chunks_.size() && chunks_[next_].used == kChunkRecords) ++next_;
    if (next_ < chunks_.size()) break;
    Chunk chunk;
    lock.unlock();  // allocating waits (a side stream's fills): not while every launch waits for the lock
    const Status allocated = allocate_records(kChunkRecords, chunk.records, chunk.readback);
    lock.lock();
    if (!allocated.ok()) return {allocated.code(), "fault records: " + allocated.message()};
    // Other threads may have added chunks and used records meanwhile: look again.
    chunks_.push_back(chunk);
  }
  Chunk& chunk = chunks_[next_];
  record = chunk.records + chunk.used;
  ++chunk.used;
  return {};
}

Status RecordPool::enqueue_collect(cudaStream_t stream, std::vector<CollectedReports>& collected) const {
  for (const Chunk& chunk : chunks_) {
    if (chunk.used == 0) continue;
    if (cudaError_t e = enqueue_fault_collect(chunk.records, chunk.used, chunk.readback, stream); e != cudaSuccess) {
      return failure("collecting fault records failed", e);
    }
    collected.push_back({chunk.readback, chunk.used});
  }
  return {};
}

void merge_collected(const std::vector<CollectedReports>& collected, FaultReport& report) {
  for (const CollectedReports& reports : collected) {
    for (size_t k = 0; k < reports.count; ++k) merge_report(report, reports.readback[k]);
  }
}

}  // namespace advstep::cuda
