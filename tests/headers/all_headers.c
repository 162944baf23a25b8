/* Every public C header, compiled as C99 with warnings as errors. */
#include "acl/acl.h"
#include "acl/acl_base.h"
#include "acl/acl_rt.h"
#include "aclnn/acl_meta.h"
#include "aclnn/aclnn_base.h"
#include "aclnn/opdev/op_errno.h"
#include "aclnnop/aclnn_advance_step.h"
#include "aclnnop/aclnn_advance_step_v2.h"
#include "aclnnop/aclnn_util.h"

int advstep_header_check(void) {
  aclnnStatus status = ACLNN_SUCCESS;
  aclrtStream stream = NULL;
  (void)stream;
  return status + ACL_SUCCESS + (int)ACL_INT64;
}
