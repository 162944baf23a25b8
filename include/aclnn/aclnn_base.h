/* aclnn initialisation. Either aclInit or aclnnInit suffices; neither is required here. */
#ifndef ACLNN_ACLNN_BASE_H_
#define ACLNN_ACLNN_BASE_H_

/* Paths relative to this folder, so that -I <prefix>/include/aclnn alone finds everything. */
#include "acl_meta.h"
/* A superset of CANN's header: the status macros too, so clients can name the codes they check. */
#include "opdev/op_errno.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Initialises the operator library. @param[in] configPath JSON file or NULL (not read). */
ACL_FUNC_VISIBILITY aclnnStatus aclnnInit(const char *configPath);

/** @brief Finalises the operator library. @return ACLNN_SUCCESS. */
ACL_FUNC_VISIBILITY aclnnStatus aclnnFinalize(void);

#ifdef __cplusplus
}
#endif

#endif /* ACLNN_ACLNN_BASE_H_ */
