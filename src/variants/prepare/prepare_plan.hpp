// The prepare step's checked arguments (prepare_step.md sections 1-4), as the kernels read them: one
// plain struct for prepare_inputs (STATE mode) and advance_drafts (ADVANCE mode), which differ only in
// where a row's positions, lengths and bonus token come from. The struct holds no owning member, so
// it is passed by value to a CUDA kernel as it is to the host loop. Inputs are strided views of int32
// or int64 elements; outputs are contiguous.
#pragma once

#include <cstdint>

#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"
#include "core/host_device.hpp"
#include "variants/prepare/index_tensor.hpp"

#include <vector>

namespace advstep::variants {

/// One KV-cache group: its table [Rb, W] and block size.
struct PrepareGroup {
  IndexInput table;
  int64_t block_size = 1;
};

/// The most KV-cache groups one call takes: the groups travel inside the plan, by value, to a kernel
/// (engines use one to three: full attention, sliding window, mamba state).
inline constexpr int32_t kMaxPrepareGroups = 16;

enum class PrepareMode : int32_t {
  kState = 0,    ///< prepare_inputs: positions and lengths from num_computed_tokens (2.2, 2.3)
  kAdvance = 1,  ///< advance_drafts: positions from pos_in + delta, lengths from seq_base - seq_sub (2.2, 2.3)
};

struct Named;

/// Every argument of one prepare_inputs or advance_drafts call, after the argument checks of spec
/// sections 4 and 10. The fields of the other mode are left "not given".
struct PreparePlan {
  PrepareMode mode = PrepareMode::kState;
  int64_t rows = 0;        ///< R
  int64_t tokens = 0;      ///< M
  int64_t seq_rows = 0;    ///< Rs (0 when seq_lens is not given)
  int64_t state_rows = 0;  ///< Rmax
  int64_t drafts = 0;      ///< S
  IndexInput idx_mapping, query_start_loc, draft_tokens;
  PrepareGroup groups[kMaxPrepareGroups];
  int32_t group_count = 0;  ///< G
  IndexOutput positions, seq_lens, slot_mapping, input_ids, token_seq_lens;
  int64_t cp_size = 1;
  int64_t cp_rank = 0;
  int64_t cp_interleave = 1;
  BlockBound bound = BlockBound::kRow;
  SeqLensTail seq_lens_tail = SeqLensTail::kZero;

  // STATE mode (prepare_inputs).
  IndexInput num_computed_tokens, last_sampled_tokens, prefill_len, cu_num_logits;
  IndexOutput logits_indices, dcp_local_seq_lens;
  int64_t num_bonus = 1;
  TokenTail token_tail = TokenTail::kKeep;

  // ADVANCE mode (advance_drafts).
  IndexInput pos_in;         ///< positions itself unless given (the in-place pair, read before each write)
  IndexInput delta_per_row;  ///< not given: delta for every row
  int64_t delta = 0;
  IndexInput bonus_tokens;       ///< tokens (EAGLE), or not given
  IndexInput sampled_token_ids;  ///< V2's lastToken source, or not given
  IndexInput seq_base;           ///< seq_lens itself unless given
  IndexInput seq_sub;
  bool has_pos_cap = false;
  int64_t pos_cap = 0;
  bool has_seq_cap = false;
  int64_t seq_cap = 0;
  OnCap on_cap = OnCap::kClamp;
  bool rewrite_query_start_loc = false;
  IndexOutput query_start_loc_out;  ///< query_start_loc when it is rewritten (2.8)

  [[nodiscard]] ADVSTEP_HOST_DEVICE bool advance() const { return mode == PrepareMode::kAdvance; }
  /// qsl[i] for i <= R: as read, or min(i, R) when rewritten (10.1: the input is then not read).
  [[nodiscard]] ADVSTEP_HOST_DEVICE int64_t query_start(int64_t i) const {
    return rewrite_query_start_loc ? (i < rows ? i : rows) : query_start_loc.at(i);
  }
};

/// The argument checks of prepare_inputs in the spec's class order (1 missing, 2 dtype, 3 shape,
/// 4 scalar, 5 memory), each naming its parameter, rule, expected and actual value. Tensors may be on
/// the host or, all of them, on one CUDA device (@p on_device tells which).
/// @p tensors, when given and the tensors are on a GPU, receives every tensor of the step with its name
/// (for the CUDA memory rule).
Status make_prepare_plan(const PrepareInputsStep& step, PreparePlan& plan, bool& on_device,
                         std::vector<Named>* tensors = nullptr);

/// The same for advance_drafts.
Status make_advance_plan(const AdvanceDraftsStep& step, PreparePlan& plan, bool& on_device,
                         std::vector<Named>* tensors = nullptr);

/// Runs a checked plan on the host: one pass finds the first data fault in the spec's order (10.6)
/// and writes nothing if there is one (its Status is kDataFault); otherwise a second pass writes.
Status run_prepare_cpu(const PreparePlan& plan);

}  // namespace advstep::variants
