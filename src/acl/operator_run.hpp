// The second phase of every operator: executor checks, then the run on the stream.
#pragma once

#include <cstdint>

#include "acl/acl_base.h"
#include "acl/executor.hpp"
#include "advstep/status.hpp"

namespace advstep::acl {

/// Checks @p executor and the workspace, queues the plan on @p stream, and frees a non-repeatable
/// executor. A data fault is kept by the stream for its next synchronisation; a kernel launch the
/// GPU refuses is returned at once (kRuntimeError, naming the CUDA error).
Status run_operator(const char* api, void* workspace, uint64_t workspace_size, aclOpExecutor* executor,
                    aclrtStream stream);

}  // namespace advstep::acl
