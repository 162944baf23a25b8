// The naive implementation the benchmark compares against: the spec's formulas as plain loops, with
// `/` and `%`, a check loop and then a write loop, in place. It is what a straightforward port
// looks like. (tests/oracle/ holds the test oracle, which copies every tensor into vectors and
// computes in 128 bits: right for tests, but its cost would be the copies, not the operator.)
#pragma once

#include <cstdint>
#include <limits>

#include "workload.hpp"

namespace advstep::bench {

/// False when a value cannot be advanced; then nothing was written.
inline bool naive_advance_step_v1(const Workload& w) {
  const Case& c = w.shape;
  const int64_t b = c.block_size;
  const int64_t numel = c.num_seqs() * c.width;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (int64_t i = 0; i < c.num_queries(); ++i) {
    const int64_t pos = w.seq_lens[i];
    if (pos < 0 || pos == kMax) return false;
    const int64_t index = i * c.width + pos / b;
    if (index >= numel || w.block_tables[index] < 0) return false;
    if (w.block_tables[index] > (kMax - pos % b) / b) return false;
  }
  for (int64_t i = 0; i < c.num_queries(); ++i) {
    const int64_t pos = w.seq_lens[i];
    w.input_tokens[i] = w.sampled_token_ids[i];
    w.input_positions[i] = pos;
    w.seq_lens[i] = pos + 1;
    w.slot_mapping[i] = w.block_tables[i * c.width + pos / b] * b + pos % b;
  }
  for (int64_t j = c.num_queries(); j < c.num_seqs(); ++j) {
    w.input_tokens[j] = 0;
    w.input_positions[j] = 0;
    w.slot_mapping[j] = -1;
  }
  return true;
}

inline bool naive_advance_step_v2(const Workload& w) {
  const Case& c = w.shape;
  const int64_t b = c.block_size;
  const int64_t e = c.spec_num + 1;
  const int64_t numel = c.num_seqs() * c.width;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (int64_t i = 0; i < c.n; ++i) {
    const int64_t accepted = w.accepted_num[i];
    if (w.sampled_token_ids[i * e] == -1) return false;
    for (int64_t j = 0; j < e; ++j) {
      // acceptedNum is an offset: only the new position is bounded.
      const int64_t old = w.input_positions[i * e + j];
      if (old < -1 - accepted || (accepted >= 0 && old > kMax - accepted - 2)) return false;
      const int64_t pos = old + accepted + 1;
      const int64_t index = i * c.width + pos / b;
      if (index >= numel || w.block_tables[index] < 0) return false;
      if (w.block_tables[index] > (kMax - pos % b) / b) return false;
    }
  }
  for (int64_t i = 0; i < c.n; ++i) {
    int64_t m = 0;
    while (m < e && w.sampled_token_ids[i * e + m] != -1) ++m;
    const int64_t last = w.sampled_token_ids[i * e + m - 1];
    const int64_t accepted = w.accepted_num[i];
    for (int64_t j = 0; j < e; ++j) {
      const int64_t k = i * e + j;
      const int64_t pos = w.input_positions[k] + accepted + 1;
      w.input_positions[k] = pos;
      w.seq_lens[k] = pos + 1;
      w.slot_mapping[k] = w.block_tables[i * c.width + pos / b] * b + pos % b;
      w.input_tokens[k] = j == 0 ? last : w.spec_token[i * c.spec_num + j - 1];
    }
  }
  return true;
}

}  // namespace advstep::bench
