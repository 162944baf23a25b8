// aclCreateTensor, its queries, and integer arrays.
#include "acl/acl_tensor.hpp"

#include <algorithm>
#include <new>

#include "aclnn/opdev/op_errno.h"
#include "advstep/detail/checked_arithmetic.hpp"
#include "core/message.hpp"
#include "runtime/last_error.hpp"

struct aclIntArray {
  std::vector<int64_t> values;
};

namespace advstep::acl {
namespace {

/// Fills @p tensor's view: the given strides, or row-major ones when @p stride is null. A row-major
/// layout is refused (ACLNN_ERR_PARAM_INVALID, with a message) when the element count does not fit in int64: its
/// strides cannot be computed. Throws std::bad_alloc.
aclnnStatus init_view(const char* api, aclTensor& tensor, const int64_t* view_dims, uint64_t view_dims_num,
                      const int64_t* stride) {
  std::vector<int64_t> dims = tensor.view_dims;  // kept when no new dims are given
  if (view_dims != nullptr && view_dims_num > 0) dims.assign(view_dims, view_dims + view_dims_num);
  std::vector<int64_t> strides(dims.size());
  if (stride != nullptr) {
    std::copy(stride, stride + dims.size(), strides.begin());
  } else if (!detail::row_major_strides(dims.data(), static_cast<int64_t>(dims.size()), strides.data())) {
    core::TensorDesc shown;
    shown.rank = static_cast<int32_t>(dims.size());
    std::copy_n(dims.begin(), std::min<size_t>(dims.size(), kMaxRank), shown.dims.begin());
    const Status refused = core::fail(
        StatusCode::kInvalidArgument, api, "viewDims must hold fewer than 2^63 elements when stride is null",
        "dims whose product fits in int64 (or explicit strides)", core::shape_string(shown));
    runtime::report_error(refused.code(), refused.message());
    return static_cast<aclnnStatus>(refused.code());
  }
  tensor.view_dims = std::move(dims);
  tensor.strides = std::move(strides);
  return ACLNN_SUCCESS;
}

/// The out-array convention of aclGetViewShape and friends: new[] that the caller delete[]s.
aclnnStatus copy_out(const std::vector<int64_t>& values, int64_t** out, uint64_t* count) {
  if (out == nullptr || count == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  *out = new (std::nothrow) int64_t[values.empty() ? 1 : values.size()];
  if (*out == nullptr) return ACLNN_ERR_INNER;
  std::copy(values.begin(), values.end(), *out);
  *count = values.size();
  return ACLNN_SUCCESS;
}

}  // namespace

aclnnStatus init_tensor(const char* api, aclTensor* tensor, const int64_t* view_dims, uint64_t view_dims_num,
                        aclDataType data_type, const int64_t* stride, int64_t offset, aclFormat format,
                        const int64_t* storage_dims, uint64_t storage_dims_num, void* data) {
  if (tensor == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  try {
    if (aclnnStatus s = init_view(api, *tensor, view_dims, view_dims_num, stride); s != ACLNN_SUCCESS) return s;
    if (storage_dims != nullptr && storage_dims_num > 0) {
      tensor->storage_dims.assign(storage_dims, storage_dims + storage_dims_num);
    }
  } catch (const std::bad_alloc&) {
    return ACLNN_ERR_INNER;
  }
  tensor->data_type = data_type;
  tensor->format = format;
  tensor->offset = offset;
  if (data != nullptr) tensor->data = data;
  return ACLNN_SUCCESS;
}

const char* data_type_name(aclDataType type) {
  switch (type) {
    case ACL_FLOAT: return "FLOAT";
    case ACL_FLOAT16: return "FLOAT16";
    case ACL_INT8: return "INT8";
    case ACL_INT32: return "INT32";
    case ACL_UINT8: return "UINT8";
    case ACL_INT16: return "INT16";
    case ACL_UINT16: return "UINT16";
    case ACL_UINT32: return "UINT32";
    case ACL_INT64: return "INT64";
    case ACL_UINT64: return "UINT64";
    case ACL_DOUBLE: return "DOUBLE";
    case ACL_BOOL: return "BOOL";
    case ACL_STRING: return "STRING";
    case ACL_COMPLEX64: return "COMPLEX64";
    case ACL_COMPLEX128: return "COMPLEX128";
    case ACL_BF16: return "BF16";
    case ACL_DT_UNDEFINED: return "UNDEFINED";
    default: return "an unsupported data type";
  }
}

core::TensorDesc describe(const aclTensor& tensor) {
  core::TensorDesc desc;
  desc.data = tensor.data;
  desc.type = tensor.data_type == ACL_INT64   ? core::ElementType::kInt64
              : tensor.data_type == ACL_INT32 ? core::ElementType::kInt32
                                              : core::ElementType::kUnsupported;
  desc.type_name = data_type_name(tensor.data_type);
  desc.rank = static_cast<int32_t>(tensor.view_dims.size());
  const size_t kept = std::min<size_t>(tensor.view_dims.size(), kMaxRank);
  std::copy_n(tensor.view_dims.begin(), kept, desc.dims.begin());
  std::copy_n(tensor.strides.begin(), kept, desc.strides.begin());
  desc.offset = tensor.offset;
  return desc;
}

}  // namespace advstep::acl

using advstep::acl::copy_out;

extern "C" {

aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t viewDimsNum, aclDataType dataType, const int64_t* stride,
                           int64_t offset, aclFormat format, const int64_t* storageDims, uint64_t storageDimsNum,
                           void* tensorData) {
  if ((viewDims == nullptr && viewDimsNum > 0) || (storageDims == nullptr && storageDimsNum > 0)) return nullptr;
  auto* tensor = new (std::nothrow) aclTensor;
  if (tensor == nullptr) return nullptr;
  if (advstep::acl::init_tensor("aclCreateTensor", tensor, viewDims, viewDimsNum, dataType, stride, offset, format,
                                storageDims, storageDimsNum, tensorData) != ACLNN_SUCCESS) {
    delete tensor;
    return nullptr;
  }
  if (viewDimsNum == 0) tensor->strides.clear();
  return tensor;
}

aclnnStatus aclInitTensor(aclTensor* tensor, const int64_t* viewDims, uint64_t viewDimsNum, aclDataType dataType,
                          const int64_t* stride, int64_t offset, aclFormat format, const int64_t* storageDims,
                          uint64_t storageDimsNum, void* tensorDataAddr) {
  return advstep::acl::init_tensor("aclInitTensor", tensor, viewDims, viewDimsNum, dataType, stride, offset, format,
                                   storageDims, storageDimsNum, tensorDataAddr);
}

aclnnStatus aclDestroyTensor(const aclTensor* tensor) {
  delete tensor;
  return ACLNN_SUCCESS;
}

aclnnStatus aclGetViewShape(const aclTensor* tensor, int64_t** viewDims, uint64_t* viewDimsNum) {
  if (tensor == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  return copy_out(tensor->view_dims, viewDims, viewDimsNum);
}

aclnnStatus aclGetStorageShape(const aclTensor* tensor, int64_t** storageDims, uint64_t* storageDimsNum) {
  if (tensor == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  return copy_out(tensor->storage_dims, storageDims, storageDimsNum);
}

aclnnStatus aclGetViewStrides(const aclTensor* tensor, int64_t** stridesValue, uint64_t* stridesNum) {
  if (tensor == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  return copy_out(tensor->strides, stridesValue, stridesNum);
}

aclnnStatus aclGetViewOffset(const aclTensor* tensor, int64_t* offset) {
  if (tensor == nullptr || offset == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  *offset = tensor->offset;
  return ACLNN_SUCCESS;
}

aclnnStatus aclGetFormat(const aclTensor* tensor, aclFormat* format) {
  if (tensor == nullptr || format == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  *format = tensor->format;
  return ACLNN_SUCCESS;
}

aclnnStatus aclGetDataType(const aclTensor* tensor, aclDataType* dataType) {
  if (tensor == nullptr || dataType == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  *dataType = tensor->data_type;
  return ACLNN_SUCCESS;
}

aclnnStatus aclSetRawTensorAddr(aclTensor* tensor, void* addr) {
  if (tensor == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  tensor->data = addr;
  return ACLNN_SUCCESS;
}

aclnnStatus aclGetRawTensorAddr(const aclTensor* tensor, void** addr) {
  if (tensor == nullptr || addr == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  *addr = tensor->data;
  return ACLNN_SUCCESS;
}

aclIntArray* aclCreateIntArray(const int64_t* value, uint64_t size) {
  auto* array = new (std::nothrow) aclIntArray;
  if (array == nullptr) return nullptr;
  if (value != nullptr && size > 0) {
    try {
      array->values.assign(value, value + size);
    } catch (const std::bad_alloc&) {
      delete array;
      return nullptr;
    }
  }
  return array;
}

aclnnStatus aclDestroyIntArray(const aclIntArray* array) {
  delete array;
  return ACLNN_SUCCESS;
}

aclnnStatus aclGetIntArraySize(const aclIntArray* array, uint64_t* size) {
  if (array == nullptr || size == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  *size = array->values.size();
  return ACLNN_SUCCESS;
}

}  // extern "C"
