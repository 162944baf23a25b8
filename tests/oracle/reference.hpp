// The independent oracle of advance_step: vLLM's semantics (spec sections 2 and 3) in plain loops.
//
// It shares nothing with src/: no row formula, no divider, no checks. It works on host vectors,
// computes in 128-bit integers with ordinary `/` and `%`, and calls a row faulty when a value it
// must read is out of range or a value it must store does not fit its tensor, so a mistake in the
// kernels' overflow reasoning cannot be repeated here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace advstep::oracle {

/// The element type of seq_lens or block_tables; values are held as int64 either way.
enum class IndexType : int32_t { kInt32, kInt64 };

const char* index_type_name(IndexType type);

/// One call's inputs, flat and row-major. On the plain path (spec_num == 0) the per-token tensors
/// hold N values and sampled_token_ids Q; on the speculative path they hold N * E, E = spec_num + 1.
struct StepInputs {
  std::vector<int64_t> input_tokens;
  std::vector<int64_t> sampled_token_ids;
  std::vector<int64_t> input_positions;
  std::vector<int64_t> seq_lens;
  std::vector<int64_t> slot_mapping;
  std::vector<int64_t> block_tables;  ///< N * table_width entries
  std::vector<int64_t> spec_token;    ///< N * spec_num; empty on the plain path
  std::vector<int64_t> accepted_num;  ///< N; empty on the plain path
  int64_t table_width = 1;            ///< W, the block table's row length (its stride)
  int64_t spec_num = 0;               ///< S; 0 selects the plain path
  int64_t num_seqs = 1;
  int64_t num_queries = 1;
  int64_t block_size = 1;
  IndexType seq_lens_type = IndexType::kInt64;
  IndexType block_tables_type = IndexType::kInt64;
  bool row_bound = false;  ///< spec 4.1: a block index must stay within its row (W), not the table

  [[nodiscard]] bool speculative() const { return spec_num > 0; }
  /// "N=.. Q=.. B=.. W=.. S=.. seq_lens=int64 block_tables=int32", for failure messages.
  [[nodiscard]] std::string describe() const;
};

/// The four tensors advance_step writes.
struct StepOutputs {
  std::vector<int64_t> input_tokens;
  std::vector<int64_t> input_positions;
  std::vector<int64_t> seq_lens;
  std::vector<int64_t> slot_mapping;
};

enum class FaultCause : int32_t {
  kNegativeSeqLen,      ///< plain path: seq_lens[i] < 0
  kNegativePosition,    ///< speculative path: input_positions[k] + accepted_num[i] + 1 < 0
  kLengthDoesNotFit,    ///< position + 1 does not fit seq_lens' type (or the position int64)
  kBlockOutsideTable,   ///< i * W + position / B >= numel(block_tables)
  kNegativeBlockId,     ///< the block id read is negative
  kSlotDoesNotFit,      ///< block id * B + position % B exceeds int64
  kNoLastToken,         ///< sampled row i starts with -1
  kBlockOutsideRow,     ///< row bound (spec 4.1): position / B >= W
};

const char* fault_cause_name(FaultCause cause);

/// The first faulty sequence (lowest i; on the speculative path the lowest column j within it).
struct Fault {
  FaultCause cause;
  int64_t sequence;
  int64_t column;
  /// The value a message should name: the position involved for length and table faults (the new
  /// position on the speculative path, or the input position when the new one exceeds int64), or
  /// the negative input itself.
  int64_t value;
};

struct Expected {
  std::optional<Fault> fault;  ///< set: every tensor must be left as it was
  StepOutputs outputs;         ///< the inputs' own values when faulty
};

/// What advance_step must produce for @p inputs.
Expected reference_advance_step(const StepInputs& inputs);

/// Empty when equal; else, for each tensor that differs, its first differing element and how many
/// differ (a whole 10^5-element vector would drown the failure message).
std::string difference(const StepOutputs& expected, const StepOutputs& actual);

}  // namespace advstep::oracle
