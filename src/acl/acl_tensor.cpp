// aclCreateTensor, its queries, and integer arrays.
#include "acl/acl_tensor.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <new>

#include "acl/boundary.hpp"
#include "acl/c_enum.hpp"
#include "aclnn/opdev/op_errno.h"
#include "advstep/detail/checked_arithmetic.hpp"
#include "core/message.hpp"
#include "runtime/last_error.hpp"

struct aclIntArray {
  std::vector<int64_t> values;
};

namespace advstep::acl {
namespace {

/// ACLNN_ERR_PARAM_INVALID with a message for aclGetRecentErrMsg.
aclnnStatus refuse(const char* api, const std::string& what, const std::string& expected, const std::string& got) {
  const Status refused = core::fail(StatusCode::kInvalidArgument, api, what, expected, got);
  runtime::report_error(refused.code(), refused.message());
  return static_cast<aclnnStatus>(refused.code());
}

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
    return refuse(api, "viewDims must hold fewer than 2^63 elements when stride is null",
                  "dims whose product fits in int64 (or explicit strides)", core::shape_string(shown));
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
                        int64_t data_type, const int64_t* stride, int64_t offset, int64_t format,
                        const int64_t* storage_dims, uint64_t storage_dims_num, void* data) noexcept {
  if (tensor == nullptr) return ACLNN_ERR_PARAM_NULLPTR;
  try {
    const std::optional<aclDataType> type = enum_from(data_type, kDataTypes);
    if (!type) return refuse(api, "dataType must name an aclDataType", "a value of aclDataType", std::to_string(data_type));
    const std::optional<aclFormat> layout = enum_from(format, kFormats);
    if (!layout) return refuse(api, "format must name an aclFormat", "a value of aclFormat", std::to_string(format));
    // Sizes are checked before anything is allocated from them.
    if (view_dims_num > kMaxTensorDims) {
      return refuse(api, "viewDimsNum must be a tensor's rank", core::concat("at most ", kMaxTensorDims),
                    std::to_string(view_dims_num));
    }
    if (storage_dims_num > kMaxTensorDims) {
      return refuse(api, "storageDimsNum must be a tensor's rank", core::concat("at most ", kMaxTensorDims),
                    std::to_string(storage_dims_num));
    }
    aclTensor updated = *tensor;  // the caller's tensor changes only when everything is accepted
    if (aclnnStatus s = init_view(api, updated, view_dims, view_dims_num, stride); s != ACLNN_SUCCESS) return s;
    if (storage_dims != nullptr && storage_dims_num > 0) {
      updated.storage_dims.assign(storage_dims, storage_dims + storage_dims_num);
    }
    updated.data_type = *type;
    updated.format = *layout;
    updated.offset = offset;
    if (data != nullptr) updated.data = data;
    *tensor = std::move(updated);
    return ACLNN_SUCCESS;
  } catch (...) {
    return report_exception(api);
  }
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

void describe(const aclTensor& tensor, core::TensorDesc& desc) {
  desc.data = tensor.data;
  desc.type = tensor.data_type == ACL_INT64   ? core::ElementType::kInt64
              : tensor.data_type == ACL_INT32 ? core::ElementType::kInt32
                                              : core::ElementType::kUnsupported;
  desc.type_name = tensor.data_type == ACL_INT64 ? "INT64" : data_type_name(tensor.data_type);
  desc.device = Device::kCpu;
  desc.rank = static_cast<int32_t>(tensor.view_dims.size());
  // Element by element: the kept dims are few, and a library copy of a few bytes costs more.
  const size_t kept = std::min<size_t>(tensor.view_dims.size(), kMaxRank);
  for (size_t d = 0; d < kMaxRank; ++d) {
    desc.dims[d] = d < kept ? tensor.view_dims[d] : 0;
    desc.strides[d] = d < kept ? tensor.strides[d] : 0;
  }
  desc.offset = tensor.offset;
}

}  // namespace advstep::acl

using advstep::acl::copy_out;

extern "C" {

aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t viewDimsNum, aclDataType dataType, const int64_t* stride,
                           int64_t offset, aclFormat format, const int64_t* storageDims, uint64_t storageDimsNum,
                           void* tensorData) {
  constexpr const char* kApi = "aclCreateTensor";
  const int64_t raw_type = advstep::acl::raw_value(dataType);
  const int64_t raw_format = advstep::acl::raw_value(format);
  if (viewDims == nullptr && viewDimsNum > 0) {
    (void)advstep::acl::refuse(kApi, "viewDims must not be null when viewDimsNum > 0", "a pointer", "nullptr");
    return nullptr;
  }
  if (storageDims == nullptr && storageDimsNum > 0) {
    (void)advstep::acl::refuse(kApi, "storageDims must not be null when storageDimsNum > 0", "a pointer", "nullptr");
    return nullptr;
  }
  auto* tensor = new (std::nothrow) aclTensor;
  if (tensor == nullptr) {
    advstep::runtime::report_error(advstep::StatusCode::kInnerError, "aclCreateTensor: out of host memory");
    return nullptr;
  }
  if (advstep::acl::init_tensor(kApi, tensor, viewDims, viewDimsNum, raw_type, stride, offset, raw_format, storageDims,
                                storageDimsNum, tensorData) != ACLNN_SUCCESS) {
    delete tensor;
    return nullptr;
  }
  if (viewDimsNum == 0) tensor->strides.clear();
  return tensor;
}

aclnnStatus aclInitTensor(aclTensor* tensor, const int64_t* viewDims, uint64_t viewDimsNum, aclDataType dataType,
                          const int64_t* stride, int64_t offset, aclFormat format, const int64_t* storageDims,
                          uint64_t storageDimsNum, void* tensorDataAddr) {
  return advstep::acl::init_tensor("aclInitTensor", tensor, viewDims, viewDimsNum, advstep::acl::raw_value(dataType),
                                   stride, offset, advstep::acl::raw_value(format), storageDims, storageDimsNum,
                                   tensorDataAddr);
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
  // Checked before any pointer arithmetic or allocation: more elements than an address space holds
  // is a caller's mistake, not an allocation to attempt.
  constexpr uint64_t kMaxElements = static_cast<uint64_t>(PTRDIFF_MAX) / sizeof(int64_t);
  if (value != nullptr && size > kMaxElements) {
    (void)advstep::acl::refuse("aclCreateIntArray", "size must be an array's length",
                               advstep::core::concat("at most ", kMaxElements), std::to_string(size));
    return nullptr;
  }
  auto* array = new (std::nothrow) aclIntArray;
  if (array == nullptr) return nullptr;
  if (value != nullptr && size > 0) {
    try {
      array->values.assign(value, value + size);
    } catch (...) {  // bad_alloc, or length_error for a size no vector holds
      (void)advstep::acl::report_exception("aclCreateIntArray");
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
