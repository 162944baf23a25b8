// The work of one CUDA thread: a row of the plain path or a cell of the speculative path, checked
// and written with the row formula of core/row.hpp. Host and device code, so that the host tests
// can walk the same items the kernels walk.
//
// A fault is named by a key that orders faults as the CPU's loops meet them (row i on the plain
// path; on the speculative path sequence i's last token, then its cells j), so the smallest key is
// the fault the CPU reports, and fault_at() recomputes it from the key.
#pragma once

#include <cstdint>

#include "core/host_device.hpp"
#include "core/formula.hpp"
#include "core/row.hpp"
#include "cuda/fault_record.hpp"

namespace advstep::cuda {

using core::RowFault;

template <typename Formula, typename SeqLen, typename Block>
struct PlainWork {
  core::PlainStep<SeqLen, Block> step;

  /// The updated query rows (all Q, or min(Q, cores) under Ascend semantics).
  ADVSTEP_HOST_DEVICE int64_t check_count() const { return step.updated_rows; }
  /// Those rows, then the padding rows the plan writes.
  ADVSTEP_HOST_DEVICE int64_t write_count() const { return step.updated_rows + core::padding_rows(step); }

  /// Row i's fault key (i itself), or kNoFault.
  ADVSTEP_HOST_DEVICE unsigned long long check(int64_t i) const {
    core::PlainRow row{};
    return Formula::plain_row(step, i, row).ok() ? kNoFault : static_cast<unsigned long long>(i);
  }

  ADVSTEP_HOST_DEVICE RowFault fault_at(unsigned long long key) const {
    core::PlainRow row{};
    return Formula::plain_row(step, static_cast<int64_t>(key), row);
  }

  /// Item k: query row k from values read before any write (each row reads only what its thread
  /// writes), then the padding rows.
  ADVSTEP_HOST_DEVICE void write(int64_t k) const {
    if (k < step.updated_rows) {
      core::PlainRow row{};
      (void)Formula::plain_row(step, k, row);
      core::store_plain_row(step, k, row);
    } else {
      core::store_padding_row(step, core::padding_row(step, k));
    }
  }
};

template <typename Formula, typename SeqLen, typename Block>
struct SpeculativeWork {
  core::SpeculativeStep<SeqLen, Block> step;
  core::Divider width;  ///< E = S + 1 cells per sequence

  ADVSTEP_HOST_DEVICE int64_t check_count() const { return step.num_seqs * width.divisor(); }
  ADVSTEP_HOST_DEVICE int64_t write_count() const { return check_count(); }

  /// Sequence i owns keys i*(E+1) (its last token) and i*(E+1) + 1 + j (cell j), in the CPU's order.
  ADVSTEP_HOST_DEVICE unsigned long long key_base(int64_t i) const {
    return static_cast<unsigned long long>(i) * static_cast<unsigned long long>(width.divisor() + 1);
  }

  ADVSTEP_HOST_DEVICE unsigned long long check(int64_t k) const {
    const int64_t i = width.quotient(k);
    const int64_t j = k - i * width.divisor();
    if (j == 0) {
      int64_t last = 0;
      if (!Formula::last_token(step, i, last).ok()) return key_base(i);
    }
    core::SpeculativeCell cell{};
    return Formula::cell(step, i, j, cell).ok() ? kNoFault : key_base(i) + 1 + static_cast<unsigned long long>(j);
  }

  ADVSTEP_HOST_DEVICE RowFault fault_at(unsigned long long key) const {
    const auto per_sequence = static_cast<unsigned long long>(width.divisor() + 1);
    const auto i = static_cast<int64_t>(key / per_sequence);
    const auto part = static_cast<int64_t>(key % per_sequence);
    if (part == 0) {
      int64_t last = 0;
      return Formula::last_token(step, i, last);
    }
    core::SpeculativeCell cell{};
    return Formula::cell(step, i, part - 1, cell);
  }

  /// Cell k = (i, j): each cell reads only what its own thread writes, plus read-only inputs.
  ADVSTEP_HOST_DEVICE void write(int64_t k) const {
    const int64_t i = width.quotient(k);
    const int64_t j = k - i * width.divisor();
    int64_t last = 0;
    if (j == 0) (void)Formula::last_token(step, i, last);
    core::SpeculativeCell cell{};
    (void)Formula::cell(step, i, j, cell);
    Formula::store_cell(step, i, j, cell);
    core::store_token(step, i, j, core::next_token(step, i, j, last));
  }
};

}  // namespace advstep::cuda
