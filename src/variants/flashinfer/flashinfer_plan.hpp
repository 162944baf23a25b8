// The FlashInfer variant's argument checks (spec section 9), and its typed views of a checked plan.
#pragma once

#include <cstdint>

#include "advstep/status.hpp"
#include "core/plan.hpp"
#include "core/step_views.hpp"
#include "variants/flashinfer/flashinfer_row.hpp"

namespace advstep::variants {

/// make_plan for a request with flashinfer set: every check of spec sections 4 and 9 in its order
/// (null, dtype, options, attributes, shapes, memory), the native contract of section 7.
Status make_flashinfer_plan(const core::Request& request, const core::MemoryDomain* memory, core::Plan& plan);

inline core::MetadataArray metadata_array(const core::Plan& plan, core::TensorRole role) {
  const core::TensorDesc& tensor = plan.tensor(role);
  return {tensor.first(), tensor.type == core::ElementType::kInt32};
}

/// The rows of a checked FlashInfer plan, as its kernels walk them.
template <typename SeqLen, typename Block>
core::FlashInferRows<SeqLen, Block> flashinfer_rows(const core::Plan& plan, const FlashInferShape& shape) {
  using core::TensorRole;
  return {core::plain_step<SeqLen, Block>(plan, DecodeShape{plan.num_queries, 1}),
          metadata_array(plan, TensorRole::kPagedKvIndices),
          metadata_array(plan, TensorRole::kPagedKvIndptr),
          metadata_array(plan, TensorRole::kPagedKvLastPageLen),
          metadata_array(plan, TensorRole::kBlockTableBound),
          shape.indices_capacity};
}

}  // namespace advstep::variants
