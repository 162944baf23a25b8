// The messages of the FlashInfer variant's own data faults (spec section 9).
#include <limits>
#include <string>

#include "core/fault.hpp"
#include "core/message.hpp"

namespace advstep::core {
namespace {

/// Only an int32 tensor can be too narrow for a value (every value is an int64): the faults below
/// name it so. The GPU's fault report does not carry the tensors' dtypes, so nothing here reads them.
constexpr const char* kNarrow = "int32";

std::string name(const Plan& plan, TensorRole role) {
  return role_name(role, plan.contract);
}

}  // namespace

bool explain_flashinfer_fault(const Plan& plan, const RowFault& fault, Explanation& explanation) {
  const int64_t q = fault.sequence;
  switch (fault.kind) {
    case FaultKind::kPagesPastRow:
      explanation = {
          concat(name(plan, TensorRole::kBlockTableBound), "[", q, "] = position ", fault.extra, " / ", "block_size ",
                 plan.block_size, " + 1 = ", fault.value, " + 1 pages is more than the row of W = ", plan.table_stride,
                 " blocks holds (the FlashInfer step copies a sequence's pages from its "
                 "own row, so it always applies the row bound)"),
          concat("at most ", plan.table_stride, " pages"), std::to_string(fault.value) + " + 1"};
      return true;
    case FaultKind::kNegativePageId:
      explanation = {
          concat(name(plan, TensorRole::kBlockTables), "[", q, ", ", fault.column, "], a page copied to ",
                 name(plan, TensorRole::kPagedKvIndices), " (position ", fault.extra, "), is a negative block id"),
          ">= 0", std::to_string(fault.value)};
      return true;
    case FaultKind::kPageIdOverflow:
      explanation = {concat(name(plan, TensorRole::kBlockTables), "[", q, ", ", fault.column, "], a page copied to ",
                            name(plan, TensorRole::kPagedKvIndices), ", does not fit its dtype ", kNarrow),
                     concat("at most ", std::numeric_limits<int32_t>::max()), std::to_string(fault.value)};
      return true;
    case FaultKind::kBoundOverflow:
      explanation = {concat(name(plan, TensorRole::kBlockTableBound), "[", q, "] = ", fault.value,
                            " pages does not fit its dtype ", kNarrow),
                     concat("at most ", std::numeric_limits<int32_t>::max()), std::to_string(fault.value)};
      return true;
    case FaultKind::kLastPageLenOverflow:
      explanation = {concat(name(plan, TensorRole::kPagedKvLastPageLen), "[", q, "] = position ", fault.extra,
                            " % block_size ", plan.block_size, " + 1 does not fit its dtype ", kNarrow),
                     concat("at most ", std::numeric_limits<int32_t>::max()), std::to_string(fault.value)};
      return true;
    case FaultKind::kIndptrOverflow: {
      explanation = {concat(name(plan, TensorRole::kPagedKvIndptr), "[", q + 1, "] = ", fault.value, " + ", fault.extra,
                            " pages does not fit its dtype ", kNarrow),
                     concat("a prefix sum at most ", std::numeric_limits<int32_t>::max()),
                     concat(fault.value, " + ", fault.extra)};
      return true;
    }
    case FaultKind::kIndicesCapacity:
      explanation = {
          concat(name(plan, TensorRole::kPagedKvIndptr), "[num_queries] = ", fault.value, " pages do not fit ",
                 name(plan, TensorRole::kPagedKvIndices), " of ", fault.extra, " elements"),
          concat("at most ", fault.extra, " pages"), std::to_string(fault.value)};
      return true;
    default:
      return false;
  }
}

}  // namespace advstep::core
