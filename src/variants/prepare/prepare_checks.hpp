// The argument rules of the prepare step beyond argument_rules.hpp, shared by prepare_inputs and
// advance_drafts: the KV-cache groups (tables, block sizes, DCP scalars, slot_mapping's shape), the
// in-place pairs of advance_drafts, and the device every tensor must share. Nothing here reads a
// value of a tensor.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "advstep/status.hpp"
#include "advstep/tensor_view.hpp"
#include "variants/prepare/argument_rules.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::variants {

/// Class 2 over a list: the first tensor whose dtype is not int32 or int64.
Status check_dtypes(const ArgumentRules& rules, const std::vector<Named>& tensors);

/// Class 3: slot_mapping [G, M], or [M] when G = 1 (10.4).
Status check_slot_mapping(const ArgumentRules& rules, const Named& slots, int64_t groups, int64_t tokens);

/// Class 4: at most kMaxPrepareGroups tables, block_size one per table and each >= 1, the DCP scalars
/// (cp_size >= 1, 0 <= cp_rank < cp_size, cp_interleave >= 1 and, for cp_size > 1, a divisor of each B_g).
Status check_groups(const ArgumentRules& rules, const std::vector<int64_t>& block_size, size_t tables, int64_t cp_size,
                    int64_t cp_rank, int64_t cp_interleave);

/// Class 5, then the device: ArgumentRules::memory over @p tensors, where each pair of @p in_place
/// (indices into @p tensors: an output and the input it may be) is allowed to be the very same view
/// (any other overlap of the two is refused); then every given tensor on one device, which
/// @p on_device reports (true: CUDA).
Status check_memory_and_device(const ArgumentRules& rules, const std::vector<Named>& tensors,
                               const std::vector<std::pair<size_t, size_t>>& in_place, bool& on_device);

/// The tables of a call, named block_tables[g].
std::vector<Named> named_tables(const std::vector<TensorView>& tables);

/// Puts the G groups into @p plan and lowers plan.state_rows to each table's rows (after the checks).
void set_groups(PreparePlan& plan, const std::vector<TensorView>& tables, const std::vector<int64_t>& block_size);

}  // namespace advstep::variants
