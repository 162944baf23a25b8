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

/// The core's view of @p tensor.
core::TensorDesc describe(const aclTensor& tensor);

}  // namespace advstep::acl
