// The C API's semantics, chosen per process by environment variables (spec sections 4.1 and 6):
// ADVSTEP_SEMANTICS=vllm|ascend, ADVSTEP_ASCEND_CORES=<n>, ADVSTEP_BLOCK_BOUND=table|row.
#pragma once

#include "advstep/options.hpp"
#include "advstep/status.hpp"

namespace advstep::acl {

/// The options the variables ask for, read and checked once per process. ascend_cores is 0 when
/// ADVSTEP_ASCEND_CORES is unset (the device's SoC decides, per call). A value that names nothing
/// fails with @p code and a message naming @p api, the variable, the values allowed and the value
/// found: aclInit reports it, and every first phase refuses to plan while it stands.
Status process_options(const char* api, StatusCode code, Options& options);

}  // namespace advstep::acl
