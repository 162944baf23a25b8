// The GPU benchmark's data: one advance_step problem of Q queries, as aclnnAdvanceStep takes it
// (int64 tensors in aclrtMalloc'd memory, a repeatable executor) and as the vLLM-style baseline takes
// it (int32 seq_lens and block tables), with pristine seq_lens to restore between timed batches.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "baseline_kernels.hpp"

namespace advstep::bench {

inline constexpr int64_t kBlockSize = 16;
inline constexpr int64_t kTableWidth = 32;  ///< 512 positions: initial lengths < 256, plus <= 256 steps a batch
inline constexpr int64_t kMaxInitialLength = 256;

/// Bytes one step moves per query row: read seq_lens, sampled id, block id; write four outputs.
inline constexpr int64_t kOursBytesPerRow = 8 + 8 + 8 + 4 * 8;        // all int64
inline constexpr int64_t kBaselineBytesPerRow = 4 + 8 + 4 + 8 + 8 + 4 + 8;  // int32 seq_lens, block ids

class Workload {
 public:
  /// Q = @p queries rows to advance and one padding row (CANN's V1 asks for numSeqs > numQueries).
  Workload(int64_t queries, aclrtStream stream);
  ~Workload();
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  [[nodiscard]] int64_t queries() const { return queries_; }
  /// One aclnnAdvanceStep on the stream (phase 2 of the repeatable executor).
  [[nodiscard]] aclnnStatus ours() const;
  /// One baseline launch on the stream.
  [[nodiscard]] cudaError_t baseline() const;
  /// Restores both problems' seq_lens on the stream, so lengths stay inside the block tables.
  [[nodiscard]] cudaError_t reset() const;
  /// Runs each side once from the same state and compares the four outputs; "" when they agree.
  [[nodiscard]] std::string cross_check();

 private:
  void* buffer(size_t bytes);

  int64_t queries_;
  int64_t rows_;
  aclrtStream stream_;
  std::vector<void*> buffers_;
  std::vector<aclTensor*> tensors_;
  aclOpExecutor* executor_ = nullptr;
  void* seq_lens_ = nullptr;
  void* pristine_seq_lens_ = nullptr;
  BaselineArgs baseline_{};
  void* pristine_seq_lens32_ = nullptr;
  std::vector<void*> ours_outputs_;  ///< tokens, positions, seq_lens, slots
};

}  // namespace advstep::bench
