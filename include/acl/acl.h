/* The header CANN programs include: the ACL runtime and its base types. */
#ifndef ACL_ACL_H_
#define ACL_ACL_H_

#include "acl_rt.h"

#endif /* ACL_ACL_H_ */
