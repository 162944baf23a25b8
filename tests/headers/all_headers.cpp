// Every public C header, compiled as C++11 with warnings as errors, as CANN programs compile them.
#include <memory>
#include <type_traits>

#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "aclnn/aclnn_base.h"
#include "aclnn/opdev/op_errno.h"
#include "aclnnop/aclnn_advance_step.h"
#include "aclnnop/aclnn_advance_step_v2.h"

// CANN's RAII examples depend on these exact types.
using StreamHolder = std::unique_ptr<std::remove_pointer<aclrtStream>::type, decltype(&aclrtDestroyStream)>;
using MemoryHolder = std::unique_ptr<void, decltype(&aclrtFree)>;
using TensorDeleter = aclnnStatus (*)(const aclTensor*);
static_assert(std::is_same<decltype(&aclDestroyTensor), TensorDeleter>::value, "aclDestroyTensor signature");
static_assert(std::is_same<decltype(&aclrtFree), aclError (*)(void*)>::value, "aclrtFree signature");
static_assert(aclDataType::ACL_INT64 == 9, "ACL_INT64 is 9");
static_assert(ACLNN_ERR_INNER_TILING_ERROR == 561002, "tiling error code");

int advstep_header_check_cxx() { return ACL_SUCCESS; }
