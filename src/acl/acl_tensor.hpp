// aclTensor: device memory plus its view, as aclCreateTensor describes it.
#pragma once

#include <cstdint>
#include <vector>

#include "aclnn/acl_meta.h"
#include "core/tensor_desc.hpp"

struct aclTensor {
  std::vector<int64_t> view_dims;
  std::vector<int64_t> strides;  ///< elements, one per view dim
  std::vector<int64_t> storage_dims;
  aclDataType data_type = ACL_DT_UNDEFINED;
  aclFormat format = ACL_FORMAT_ND;
  int64_t offset = 0;
  void* data = nullptr;
};

namespace advstep::acl {

/// CANN's upper-case name of @p type, e.g. "INT64".
const char* data_type_name(aclDataType type);

/// The most dims aclCreateTensor and aclInitTensor take for a view or a storage shape: enough for
/// any tensor, few enough that a count read from a C caller never sizes an absurd allocation.
inline constexpr uint64_t kMaxTensorDims = 64;

/// aclInitTensor under the name @p api (aclCreateTensor calls it too): fills @p tensor, computing
/// row-major strides when @p stride is null. @p data_type and @p format are the caller's integers,
/// checked against the header's values before they become enums. ACLNN_ERR_PARAM_INVALID with a
/// message (aclGetRecentErrMsg) for an unknown data type or format, more than kMaxTensorDims dims,
/// or row-major strides that overflow (the element count of @p view_dims does not fit in int64);
/// ACLNN_ERR_INNER when memory runs out. @p tensor is unchanged on any failure. Never throws.
aclnnStatus init_tensor(const char* api, aclTensor* tensor, const int64_t* view_dims, uint64_t view_dims_num,
                        int64_t data_type, const int64_t* stride, int64_t offset, int64_t format,
                        const int64_t* storage_dims, uint64_t storage_dims_num, void* data) noexcept;

/// Writes the core's view of @p tensor into @p desc (in place: a plan's tensor, with no copy).
void describe(const aclTensor& tensor, core::TensorDesc& desc);

}  // namespace advstep::acl
