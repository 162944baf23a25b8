// Test support for the GPU suite: a V1 call of any size whose expected result is easy to state.
#pragma once

#include <cstdint>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "support/device_tensor.hpp"

namespace advstep::testing {

/// V1 with N rows, Q = N - 7 queries (N >= 8), block size 4 and an [N, 4] table whose entry k holds
/// k. seq_lens[i] = i % 13 unless given, so every row is valid and stays so for three more steps.
struct PlainCase {
  int64_t n;
  int64_t q;
  std::vector<int64_t> seq_lens;
  DeviceTensor tokens, sampled, positions, seq, slots, tables;

  explicit PlainCase(int64_t rows, std::vector<int64_t> lens = {}) : n(rows), q(rows - 7) {
    if (lens.empty()) {
      for (int64_t i = 0; i < n; ++i) lens.push_back(i % 13);
    }
    seq_lens = lens;
    std::vector<int64_t> zeros(static_cast<size_t>(n), 0), ids(static_cast<size_t>(q)),
        table(static_cast<size_t>(n * 4));
    for (int64_t i = 0; i < q; ++i) ids[static_cast<size_t>(i)] = 1000 + i;
    for (int64_t k = 0; k < n * 4; ++k) table[static_cast<size_t>(k)] = k;
    tokens = DeviceTensor(zeros, {n});
    sampled = DeviceTensor(ids, {q, 1});
    positions = DeviceTensor(zeros, {n});
    seq = DeviceTensor(lens, {n});
    slots = DeviceTensor(zeros, {n});
    tables = DeviceTensor(table, {n, 4});
  }

  /// Phase 1.
  aclnnStatus plan(aclOpExecutor*& executor) const {
    uint64_t workspace = 0;
    return aclnnAdvanceStepGetWorkspaceSize(tokens.get(), sampled.get(), positions.get(), seq.get(), slots.get(),
                                            tables.get(), n, q, 4, &workspace, &executor);
  }

  /// Both phases on @p stream.
  aclnnStatus launch(aclrtStream stream) const {
    aclOpExecutor* executor = nullptr;
    if (aclnnStatus s = plan(executor); s != ACL_SUCCESS) return s;
    return aclnnAdvanceStep(nullptr, 0, executor, stream);
  }

  /// The slot row i gets at position @p pos.
  [[nodiscard]] static int64_t slot(int64_t i, int64_t pos) { return (i * 4 + pos / 4) * 4 + pos % 4; }

  /// Every tensor's bytes.
  [[nodiscard]] std::vector<std::vector<uint8_t>> bytes() const {
    return {tokens.raw(), sampled.raw(), positions.raw(), seq.raw(), slots.raw(), tables.raw()};
  }
};

}  // namespace advstep::testing
