// One advance_step through CANN's C API, the way an aclnn caller runs it every decode step:
// phase 1 (GetWorkspaceSize), phase 2 on a stream, then aclrtSynchronizeStream.
#pragma once

#include <array>

#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "workload.hpp"

namespace advstep::bench {

class CApiCall {
 public:
  /// Describes @p w's tensors with aclCreateTensor (once: tensors are not part of a call).
  explicit CApiCall(const Workload& w);
  ~CApiCall();
  CApiCall(const CApiCall&) = delete;
  CApiCall& operator=(const CApiCall&) = delete;

  /// One whole call; null on success, else the runtime's message.
  const char* run();

  /// Destroys the stream every call uses (before aclFinalize).
  static void release_stream();

 private:
  static aclrtStream stream();

  const Case shape_;
  std::array<aclTensor*, 8> tensors_{};
};

}  // namespace advstep::bench
