// Typed views of a checked plan, as the row formula consumes them. Host-side; kernels get copies.
#pragma once

#include <cstdint>
#include <limits>

#include "core/formula.hpp"
#include "core/plan.hpp"
#include "core/row.hpp"

namespace advstep::core {

template <typename T>
T* element_pointer(const Plan& plan, TensorRole role) {
  return static_cast<T*>(plan.tensor(role).first());
}

/// An index tensor of the plan (int32 or int64, as make_plan allowed it), read as int64.
inline IndexArray index_array(const Plan& plan, TensorRole role) {
  const TensorDesc& tensor = plan.tensor(role);
  return {tensor.first(), tensor.type == ElementType::kInt32};
}

template <typename Block>
BlockTable<Block> block_table(const Plan& plan) {
  const Divider divider(plan.block_size);
  const int64_t always_fits = divider.quotient(std::numeric_limits<int64_t>::max() - (plan.block_size - 1));
  return {element_pointer<const Block>(plan, TensorRole::kBlockTables),
          plan.table_stride,
          plan.table_numel,
          divider,
          always_fits,
          plan.block_bound == BlockBound::kRow};
}

/// The decode rows of @p plan (the decode variant's, or those the FlashInfer variant starts from):
/// @p shape says which rows are written.
template <typename SeqLen, typename Block>
PlainStep<SeqLen, Block> plain_step(const Plan& plan, const variants::DecodeShape& shape) {
  return {element_pointer<int64_t>(plan, TensorRole::kInputTokens),
          index_array(plan, TensorRole::kSampledTokenIds),
          element_pointer<int64_t>(plan, TensorRole::kInputPositions),
          element_pointer<SeqLen>(plan, TensorRole::kSeqLens),
          element_pointer<int64_t>(plan, TensorRole::kSlotMapping),
          block_table<Block>(plan),
          plan.num_queries,
          plan.num_seqs,
          shape.updated_rows,
          shape.padding_step};
}

template <typename SeqLen, typename Block>
SpeculativeStep<SeqLen, Block> speculative_step(const Plan& plan, const variants::SpeculativeShape& shape) {
  return {element_pointer<int64_t>(plan, TensorRole::kInputTokens),
          index_array(plan, TensorRole::kSampledTokenIds),
          element_pointer<int64_t>(plan, TensorRole::kInputPositions),
          element_pointer<SeqLen>(plan, TensorRole::kSeqLens),
          element_pointer<int64_t>(plan, TensorRole::kSlotMapping),
          index_array(plan, TensorRole::kSpecToken),
          index_array(plan, TensorRole::kAcceptedNum),
          block_table<Block>(plan),
          plan.num_seqs,
          shape.spec_num};
}

/// Calls @p body.template operator()<SeqLen, Block>() with the plan's index types.
template <typename Body>
decltype(auto) with_index_types(const Plan& plan, Body&& body) {
  const bool seq32 = plan.tensor(TensorRole::kSeqLens).type == ElementType::kInt32;
  const bool table32 = plan.tensor(TensorRole::kBlockTables).type == ElementType::kInt32;
  if (seq32 && table32) return body.template operator()<int32_t, int32_t>();
  if (seq32) return body.template operator()<int32_t, int64_t>();
  if (table32) return body.template operator()<int64_t, int32_t>();
  return body.template operator()<int64_t, int64_t>();
}

/// Calls @p body.template operator()<Formula, SeqLen, Block>() with the plan's semantics and index
/// types: the one place a call's semantics is chosen. The Ascend kernels take INT64 only (make_plan).
template <typename Body>
decltype(auto) with_formula(const Plan& plan, Body&& body) {
  if (plan.semantics == Semantics::kAscend) return body.template operator()<AscendFormula, int64_t, int64_t>();
  return with_index_types(plan, [&]<typename SeqLen, typename Block>() -> decltype(auto) {
    return body.template operator()<VllmFormula, SeqLen, Block>();
  });
}

}  // namespace advstep::core
