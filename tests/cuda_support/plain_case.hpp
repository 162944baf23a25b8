// Test support for the GPU suite: a V1 call of any size whose expected result is easy to state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "support/device_tensor.hpp"

namespace advstep::testing {

/// V1 with N rows, Q = N - 7 queries (N >= 8), block size 4 and an [N, 4] table of scrambled block
/// ids, every one larger than any index into the table (so a kernel that reads an index instead of
/// the value there gets other slots). seq_lens[i] = i % 13 unless given, so every row is valid and
/// stays so for three more steps. Tokens, positions and slots start at sentinels (non-zero, and
/// different from what any row gets), so that a row left unwritten, padding rows included, shows.
struct PlainCase {
  static constexpr int64_t kTokenSentinel = -77;
  static constexpr int64_t kPositionSentinel = 99999;
  static constexpr int64_t kSlotSentinel = -55;

  int64_t n;
  int64_t q;
  std::vector<int64_t> seq_lens;
  std::vector<int64_t> table;
  DeviceTensor tokens, sampled, positions, seq, slots, tables;

  explicit PlainCase(int64_t rows, std::vector<int64_t> lens = {}) : n(rows), q(rows - 7) {
    if (lens.empty()) {
      for (int64_t i = 0; i < n; ++i) lens.push_back(i % 13);
    }
    seq_lens = lens;
    std::vector<int64_t> ids(static_cast<size_t>(q));
    for (int64_t i = 0; i < q; ++i) ids[static_cast<size_t>(i)] = 1000 + i;
    for (int64_t k = 0; k < n * 4; ++k) table.push_back(n * 4 + (k * 40503) % (n * 4 + 1));
    tokens = DeviceTensor(std::vector<int64_t>(static_cast<size_t>(n), kTokenSentinel), {n});
    sampled = DeviceTensor(ids, {q, 1});
    positions = DeviceTensor(std::vector<int64_t>(static_cast<size_t>(n), kPositionSentinel), {n});
    seq = DeviceTensor(lens, {n});
    slots = DeviceTensor(std::vector<int64_t>(static_cast<size_t>(n), kSlotSentinel), {n});
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

  /// The slot row i gets at position @p pos: the block id the table holds there, not its index.
  [[nodiscard]] int64_t slot(int64_t i, int64_t pos) const {
    return table[static_cast<size_t>(i * 4 + pos / 4)] * 4 + pos % 4;
  }

  /// "" when every row holds what one step from lengths @p lens (those before it) gives: query rows
  /// their token, position, length and slot, padding rows token 0, position 0, slot -1 and their
  /// length unchanged; else the first row that does not.
  [[nodiscard]] std::string step_mismatch(const std::vector<int64_t>& lens) const {
    const std::vector<int64_t> got_tokens = tokens.values(), got_positions = positions.values(),
                               got_lens = seq.values(), got_slots = slots.values();
    for (int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<size_t>(i);
      const int64_t len = lens[k];
      const bool query = i < q;
      const int64_t token = query ? 1000 + i : 0, position = query ? len : 0, next = query ? len + 1 : len,
                    slot_id = query ? slot(i, len) : -1;
      if (got_tokens[k] != token || got_positions[k] != position || got_lens[k] != next || got_slots[k] != slot_id) {
        return std::string(query ? "query" : "padding") + " row " + std::to_string(i) + ": expected token " +
               std::to_string(token) + ", position " + std::to_string(position) + ", length " + std::to_string(next) +
               ", slot " + std::to_string(slot_id) + "; got " + std::to_string(got_tokens[k]) + ", " +
               std::to_string(got_positions[k]) + ", " + std::to_string(got_lens[k]) + ", " +
               std::to_string(got_slots[k]);
      }
    }
    return "";
  }

  /// Every tensor's bytes.
  [[nodiscard]] std::vector<std::vector<uint8_t>> bytes() const {
    return {tokens.raw(), sampled.raw(), positions.raw(), seq.raw(), slots.raw(), tables.raw()};
  }
};

}  // namespace advstep::testing
