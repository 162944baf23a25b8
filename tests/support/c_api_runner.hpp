// Test support: one oracle case through aclnnAdvanceStep / aclnnAdvanceStepV2, the CANN way
// (aclrtMalloc'd tensors, the two-phase call, a stream, aclrtSynchronizeStream).
#pragma once

#include <cstdint>
#include <string>

#include "acl/acl.h"
#include "aclnn/aclnn_base.h"
#include "oracle/reference.hpp"

namespace advstep::testing {

/// Which entry point, and how V2's optionals are passed.
enum class CallForm : int32_t {
  kV1,        ///< aclnnAdvanceStep
  kV2Absent,  ///< aclnnAdvanceStepV2, specTokenOptional and acceptedNumOptional null
  kV2Empty,   ///< aclnnAdvanceStepV2, both optionals tensors of zero elements
  kV2,        ///< aclnnAdvanceStepV2 with the case's speculative inputs
  kV2AcceptedOnly,  ///< aclnnAdvanceStepV2 of a plain case, specTokenOptional null, acceptedNumOptional [N]
};

struct CApiOptions {
  CallForm form = CallForm::kV1;
  bool matrix_layout = false;  ///< per-token tensors as [N, 1] / [N, E] instead of flat
  bool own_stream = false;     ///< a stream from aclrtCreateStream instead of the default (null) one
};

struct CApiResult {
  aclnnStatus workspace_status = ACL_SUCCESS;  ///< phase 1
  uint64_t workspace_size = 0;                 ///< what phase 1 asked for
  aclnnStatus run_status = ACL_SUCCESS;        ///< phase 2
  aclError sync_status = ACL_SUCCESS;          ///< the first aclrtSynchronizeStream
  aclError second_sync_status = ACL_SUCCESS;   ///< a second one: a fault is reported once
  std::string message;                         ///< aclGetRecentErrMsg after the first failure
  oracle::StepOutputs outputs;                 ///< the four in/out tensors read back
  bool all_bytes_unchanged = false;            ///< every tensor, inputs included, as before the call
  bool inputs_unchanged = false;               ///< sampledTokenIds, blockTables, specToken, acceptedNum
};

/// Runs @p inputs (int64 indices only: CANN takes nothing else) and reads every tensor back.
CApiResult run_c_api(const oracle::StepInputs& inputs, const CApiOptions& options);

}  // namespace advstep::testing
