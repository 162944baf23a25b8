// A native TensorView as the core's checks see it (core/tensor_desc.hpp): one conversion for every
// native entry point.
#pragma once

#include "advstep/tensor_view.hpp"
#include "core/tensor_desc.hpp"

namespace advstep::native {

/// @p view's memory and layout; a dtype other than int32/int64 becomes kUnsupported (its name kept
/// for the message).
inline core::TensorDesc describe(const TensorView& view) {
  core::TensorDesc desc;
  desc.data = view.data;
  desc.type = view.dtype == DType::kInt32   ? core::ElementType::kInt32
              : view.dtype == DType::kInt64 ? core::ElementType::kInt64
                                            : core::ElementType::kUnsupported;
  desc.type_name = dtype_name(view.dtype);
  desc.device = view.device;
  desc.rank = view.rank;
  desc.dims = view.shape;
  desc.strides = view.strides;
  return desc;
}

}  // namespace advstep::native
