// The prepare_inputs operation (prepare_step.md section 3.1): its checked arguments, as the kernel
// reads them. Inputs are strided views of int32 or int64 elements; outputs are contiguous.
#pragma once

#include <cstdint>
#include <vector>

#include "advstep/status.hpp"
#include "advstep/prepare_step.hpp"
#include "variants/prepare/index_tensor.hpp"

namespace advstep::variants {

/// One KV-cache group: its table [Rb, W] and block size.
struct PrepareGroup {
  IndexInput table;
  int64_t block_size = 1;
};

/// Every argument of one prepare_inputs call, after the argument checks of spec sections 4 and 10.
struct PreparePlan {
  int64_t rows = 0;        ///< R
  int64_t tokens = 0;      ///< M
  int64_t seq_rows = 0;    ///< Rs
  int64_t state_rows = 0;  ///< Rmax
  int64_t drafts = 0;      ///< S
  IndexInput idx_mapping, query_start_loc, num_computed_tokens, last_sampled_tokens, draft_tokens, prefill_len,
      cu_num_logits;
  std::vector<PrepareGroup> groups;
  IndexOutput positions, seq_lens, slot_mapping, input_ids, logits_indices, token_seq_lens, dcp_local_seq_lens;
  int64_t num_bonus = 1;
  int64_t cp_size = 1;
  int64_t cp_rank = 0;
  int64_t cp_interleave = 1;
  BlockBound bound = BlockBound::kRow;
  SeqLensTail seq_lens_tail = SeqLensTail::kZero;
  TokenTail token_tail = TokenTail::kKeep;
};

/// The argument checks of prepare_inputs in the spec's class order (1 missing, 2 dtype, 3 shape,
/// 4 scalar, 5 memory, then the device), each naming its parameter, rule, expected and actual value.
Status make_prepare_plan(const PrepareInputsStep& step, PreparePlan& plan);

/// Runs a checked plan on the host: one pass finds the first data fault in the spec's order (10.6)
/// and writes nothing if there is one (its Status is kDataFault); otherwise a second pass writes.
Status run_prepare_cpu(const PreparePlan& plan);

}  // namespace advstep::variants
