// Fault records handed out one by one from chunks of 64, never freed.
//
// Used for the records of launches captured into CUDA graphs: a captured launch keeps the record it
// was captured with for every replay, on whatever stream the replay runs. Were that the stream's own
// record, two graphs replayed at once on two streams, or a replay next to an eager launch, would
// share the check pass's scratch and verdict (a step written despite a fault, or a valid one
// skipped), and destroying the stream would free memory the graph still writes. So each captured
// launch gets a record of its own, and these records are never freed. The enqueued native form
// also takes its streams' records from a pool: one allocation and one collect kernel per 64 streams.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <mutex>
#include <vector>

#include "advstep/status.hpp"
#include "cuda/fault_record.hpp"

namespace advstep::cuda {

/// @p count fault records in device memory, in their initial state, and as many reports in mapped
/// pinned memory for their collects (zeroed). Safe while any stream is being captured, in any mode:
/// allocates in relaxed capture mode and initialises on a non-blocking side stream of its own. Never
/// freed by the callers that hand records to CUDA graphs.
Status allocate_records(size_t count, FaultRecord*& records, FaultReport*& readback);

/// Folds @p next into @p first: the first claimed report stays the one described, and every later
/// faulting launch (@p next's own and those it counted) is added to first.later.
void merge_report(FaultReport& first, const FaultReport& next);

/// What a collect will have written once its stream is synchronised: @p count reports.
struct CollectedReports {
  const FaultReport* readback;
  size_t count;
};

/// Folds every report of @p collected into @p report (merge_report), after the collects' stream was
/// synchronised.
void merge_collected(const std::vector<CollectedReports>& collected, FaultReport& report);

class RecordPool {
 public:
  static constexpr size_t kChunkRecords = 64;

  struct Chunk {
    FaultRecord* records = nullptr;   ///< device memory, kChunkRecords records
    FaultReport* readback = nullptr;  ///< mapped pinned memory, one report per record
    size_t used = 0;
  };

  RecordPool() = default;
  /// Keeps the records allocated: a graph captured here may still be replayed.
  ~RecordPool() = default;
  RecordPool(const RecordPool&) = delete;
  RecordPool& operator=(const RecordPool&) = delete;

  /// A fresh record on the calling thread's GPU (for a launch being captured, or a new stream). @p lock holds
  /// enqueue_mutex(), which guards this object; when the chunks are used up it is released while a
  /// chunk is allocated (in relaxed capture mode, initialised on a side stream of its own, so the
  /// capture sees nothing of it, and no launch of another thread waits for the allocation), then
  /// taken again.
  Status take(std::unique_lock<std::mutex>& lock, FaultRecord*& record);

  /// Enqueues on @p stream the collect (read and clear, fault_protocol.hpp) of every record taken so
  /// far, one kernel per chunk; launches and replays running meanwhile lose nothing. Call under the enqueue lock;
  /// appends to @p collected what the collects write, which is read after @p stream is synchronised
  /// (without the lock). One collect of these records at a time (the readback is shared).
  Status enqueue_collect(cudaStream_t stream, std::vector<CollectedReports>& collected) const;

  [[nodiscard]] bool empty() const { return chunks_.empty(); }

 private:
  std::vector<Chunk> chunks_;
  size_t next_ = 0;  ///< the first chunk with a record left
};

}  // namespace advstep::cuda
