// The host kernels: a check pass over every row, then a write pass, each row through row.hpp.
//
// Speed comes from around the formula, not from a second copy of it: the step's fields are copied
// into locals so they stay in registers, block-table entries are prefetched a few rows ahead when
// the table is too big for the caches, and large batches are split over a small thread pool. With
// threads the check pass still covers every chunk, and the pool joins, before any chunk is written.
#include "cpu/cpu_kernel.hpp"

#include <algorithm>
#include <array>
#include <variant>

#include "core/step_views.hpp"
#include "cpu/scratch.hpp"
#include "cpu/workers.hpp"
#include "variants/flashinfer/flashinfer_cpu.hpp"

namespace advstep::cpu {
namespace {

using core::RowFault;

/// Rows (V1) and sequences (V2, four times the work each) ahead whose block-table entry is
/// prefetched: a few hundred nanoseconds of lead, enough for a page walk plus a miss to memory.
constexpr int64_t kPrefetchRows = 32;
constexpr int64_t kPrefetchSequences = 16;
/// Tables smaller than this stay in the caches after the first call: no prefetching.
constexpr int64_t kPrefetchTableBytes = int64_t{4} << 20;
/// Rows (V1) or cells (V2) from which a call is split over threads: below it, waking a helper
/// costs more than it saves (measured, see docs/benchmarks.md).
constexpr int64_t kParallelCells = 16384;
/// Chunks of at least 1024 cells (a few microseconds each), at most 256 per pass: fine enough that
/// a helper that wakes late still finds a share, coarse enough that claiming one (a compare-and-swap)
/// costs nothing measurable.
constexpr int64_t kMaxChunks = 256;
constexpr int64_t kMinChunkCells = 1024;

/// The address of sequence @p seq's entry for position @p pos, as a hint: computed in unsigned
/// arithmetic and never dereferenced, so an out-of-table guess costs nothing but the hint.
template <typename Block>
const void* entry_hint(const core::BlockTable<Block>& table, int64_t seq, int64_t pos) {
  const auto index = static_cast<uint64_t>(seq) * static_cast<uint64_t>(table.stride) +
                     static_cast<uint64_t>(table.block_size.quotient(pos < 0 ? 0 : pos));
  return reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(table.entries) + index * sizeof(Block));
}

template <typename Block>
bool worth_prefetching(const core::BlockTable<Block>& table) {
  return table.numel * static_cast<int64_t>(sizeof(Block)) >= kPrefetchTableBytes;
}

// ---- V1 ----------------------------------------------------------------------------------------

template <typename Formula, typename SeqLen, typename Block>
struct PlainKernel {
  core::PlainStep<SeqLen, Block> step;
  bool prefetch;
  core::PlainRow* rows;  ///< scratch, one per query row: what the check pass found

  RowFault check(int64_t begin, int64_t end) const {
    const core::PlainStep<SeqLen, Block> s = step;
    core::PlainRow* const out = rows;
    int64_t i = begin;
    if (prefetch) {
      for (; i + kPrefetchRows < end; ++i) {
        const int64_t ahead = i + kPrefetchRows;
        __builtin_prefetch(entry_hint(s.table, ahead, static_cast<int64_t>(s.seq_lens[ahead])));
        if (RowFault fault = Formula::plain_row(s, i, out[i]); !fault.ok()) return fault;
      }
    }
    for (; i < end; ++i) {
      if (RowFault fault = Formula::plain_row(s, i, out[i]); !fault.ok()) return fault;
    }
    return {};
  }

  /// Write items [begin, end): the updated query rows take what the check pass computed, then the
  /// padding rows the plan names (every one, or every cores-th under Ascend semantics) are cleared.
  void write(int64_t begin, int64_t end) const {
    const core::PlainStep<SeqLen, Block> s = step;
    const core::PlainRow* const in = rows;
    const int64_t queries_end = std::min(end, s.updated_rows);
    for (int64_t i = begin; i < queries_end; ++i) core::store_plain_row(s, i, in[i]);
    for (int64_t k = std::max(begin, s.updated_rows); k < end; ++k) core::store_padding_row(s, core::padding_row(s, k));
  }

  [[nodiscard]] int64_t check_rows() const { return step.updated_rows; }
  [[nodiscard]] int64_t write_rows() const { return step.updated_rows + core::padding_rows(step); }
  [[nodiscard]] int64_t cells() const { return write_rows(); }
};

template <typename Formula, typename SeqLen, typename Block>
PlainKernel<Formula, SeqLen, Block> plain_kernel(const core::PlainStep<SeqLen, Block>& step) {
  void* scratch = thread_scratch(static_cast<size_t>(step.num_queries) * sizeof(core::PlainRow));
  return {step, worth_prefetching(step.table), static_cast<core::PlainRow*>(scratch)};
}

// ---- V2 ----------------------------------------------------------------------------------------

template <typename Formula, typename SeqLen, typename Block>
struct SpeculativeKernel {
  core::SpeculativeStep<SeqLen, Block> step;
  bool prefetch;
  core::SpeculativeCell* cells_found;  ///< scratch, one per cell
  int64_t* last_tokens;                ///< scratch, one per sequence

  /// Sequences [begin, end).
  RowFault check(int64_t begin, int64_t end) const {
    return with_spec_num([&]<int64_t kSpecNum>() { return check_cells<kSpecNum>(begin, end); });
  }

  void write(int64_t begin, int64_t end) const {
    with_spec_num([&]<int64_t kSpecNum>() { write_cells<kSpecNum>(begin, end); });
  }

  /// Runs @p body with the step's S as a constant for the usual drafts per sequence (1 to 4), so
  /// the cell loop unrolls and i * E needs no multiply; 0 means "read S from the step".
  template <typename Body>
  decltype(auto) with_spec_num(Body&& body) const {
    switch (step.spec_num) {
      case 1:
        return body.template operator()<1>();
      case 2:
        return body.template operator()<2>();
      case 3:
        return body.template operator()<3>();
      case 4:
        return body.template operator()<4>();
      default:
        return body.template operator()<0>();
    }
  }

  template <int64_t kSpecNum>
  core::SpeculativeStep<SeqLen, Block> local_step() const {
    core::SpeculativeStep<SeqLen, Block> s = step;
    if constexpr (kSpecNum > 0) s.spec_num = kSpecNum;  // the same value, now known at compile time
    return s;
  }

  template <int64_t kSpecNum>
  RowFault check_cells(int64_t begin, int64_t end) const {
    const core::SpeculativeStep<SeqLen, Block> s = local_step<kSpecNum>();
    const int64_t width = s.spec_num + 1;
    core::SpeculativeCell* const out = cells_found;
    int64_t* const last = last_tokens;
    for (int64_t i = begin; i < end; ++i) {
      if (prefetch && i + kPrefetchSequences < end) {
        const int64_t ahead = i + kPrefetchSequences;
        __builtin_prefetch(entry_hint(s.table, ahead, s.input_positions[ahead * width]));
      }
      if (RowFault fault = Formula::last_token(s, i, last[i]); !fault.ok()) return fault;
      for (int64_t j = 0; j < width; ++j) {
        if (RowFault fault = Formula::cell(s, i, j, out[i * width + j]); !fault.ok()) return fault;
      }
    }
    return {};
  }

  template <int64_t kSpecNum>
  void write_cells(int64_t begin, int64_t end) const {
    const core::SpeculativeStep<SeqLen, Block> s = local_step<kSpecNum>();
    const int64_t width = s.spec_num + 1;
    const core::SpeculativeCell* const in = cells_found;
    const int64_t* const last = last_tokens;
    for (int64_t i = begin; i < end; ++i) {
      for (int64_t j = 0; j < width; ++j) {
        Formula::store_cell(s, i, j, in[i * width + j]);
        core::store_token(s, i, j, core::next_token(s, i, j, last[i]));
      }
    }
  }

  [[nodiscard]] int64_t check_rows() const { return step.num_seqs; }
  [[nodiscard]] int64_t write_rows() const { return step.num_seqs; }
  [[nodiscard]] int64_t cells() const { return step.num_seqs * (step.spec_num + 1); }
};

template <typename Formula, typename SeqLen, typename Block>
SpeculativeKernel<Formula, SeqLen, Block> speculative_kernel(const core::SpeculativeStep<SeqLen, Block>& step) {
  const auto cells = static_cast<size_t>(step.num_seqs * (step.spec_num + 1));
  const size_t cell_bytes = (cells * sizeof(core::SpeculativeCell) + 63) / 64 * 64;
  auto* scratch = static_cast<char*>(thread_scratch(cell_bytes + static_cast<size_t>(step.num_seqs) * sizeof(int64_t)));
  return {step, worth_prefetching(step.table), reinterpret_cast<core::SpeculativeCell*>(scratch),
          reinterpret_cast<int64_t*>(scratch + cell_bytes)};
}

// ---- driving a kernel ---------------------------------------------------------------------------

/// Row ranges for the pool: chunk k covers [k * rows_per_chunk, ...).
struct Split {
  int64_t rows;
  int64_t chunks;
  int64_t rows_per_chunk;

  Split(int64_t total_rows, int64_t cells_per_row) : rows(total_rows) {
    const int64_t by_size = total_rows * cells_per_row / kMinChunkCells;
    chunks = std::clamp<int64_t>(by_size, 1, kMaxChunks);
    rows_per_chunk = (total_rows + chunks - 1) / chunks;
    chunks = (total_rows + rows_per_chunk - 1) / rows_per_chunk;
  }
  [[nodiscard]] int64_t begin(int64_t chunk) const { return chunk * rows_per_chunk; }
  [[nodiscard]] int64_t end(int64_t chunk) const { return std::min(rows, begin(chunk) + rows_per_chunk); }
};

template <typename Kernel>
struct ParallelRun {
  const Kernel* kernel;
  Split check_split;
  Split write_split;
  mutable std::array<RowFault, kMaxChunks> faults{};

  static void check_chunk(const void* context, int64_t chunk) {
    const auto& run = *static_cast<const ParallelRun*>(context);
    run.faults[static_cast<size_t>(chunk)] =
        run.kernel->check(run.check_split.begin(chunk), run.check_split.end(chunk));
  }
  static void write_chunk(const void* context, int64_t chunk) {
    const auto& run = *static_cast<const ParallelRun*>(context);
    run.kernel->write(run.write_split.begin(chunk), run.write_split.end(chunk));
  }
};

template <typename Kernel>
RowFault run_kernel(const Kernel& kernel) {
  if (kernel.cells() < kParallelCells || thread_count() == 1) {
    if (RowFault fault = kernel.check(0, kernel.check_rows()); !fault.ok()) return fault;
    kernel.write(0, kernel.write_rows());
    return {};
  }
  const int64_t cells_per_row = kernel.cells() / kernel.write_rows();
  ParallelRun<Kernel> run{&kernel, Split(kernel.check_rows(), cells_per_row),
                          Split(kernel.write_rows(), cells_per_row)};
  // Every chunk is checked, and the pool joined, before any chunk is written; the first fault in
  // row order is the one of the lowest chunk that has one, as a single pass would report.
  parallel_for(run.check_split.chunks, &ParallelRun<Kernel>::check_chunk, &run);
  for (int64_t chunk = 0; chunk < run.check_split.chunks; ++chunk) {
    if (!run.faults[static_cast<size_t>(chunk)].ok()) return run.faults[static_cast<size_t>(chunk)];
  }
  parallel_for(run.write_split.chunks, &ParallelRun<Kernel>::write_chunk, &run);
  return {};
}

}  // namespace

RowFault run(const core::Plan& plan) {
  // One arm per variant (variants/variants.hpp): a variant without one does not compile.
  return std::visit(
      core::Overloaded{
          [&](const variants::DecodeShape& shape) {
            return core::with_formula(plan, [&]<typename Formula, typename SeqLen, typename Block>() {
              return run_kernel(plain_kernel<Formula>(core::plain_step<SeqLen, Block>(plan, shape)));
            });
          },
          [&](const variants::SpeculativeShape& shape) {
            return core::with_formula(plan, [&]<typename Formula, typename SeqLen, typename Block>() {
              return run_kernel(speculative_kernel<Formula>(core::speculative_step<SeqLen, Block>(plan, shape)));
            });
          },
          [&](const variants::FlashInferShape& shape) { return variants::run_flashinfer_cpu(plan, shape); },
      },
      plan.shape);
}

}  // namespace advstep::cpu
