// Test support for the error-path and runtime tests: one aclnnAdvanceStep(V2) call whose arguments a
// test can spoil one at a time, and the checks every refusal and every data fault must pass.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "support/device_tensor.hpp"

namespace advstep::testing {

/// The operator's tensor arguments in its input order (the index the address setters take).
enum Role : size_t { kTokens, kSampled, kPositions, kSeqLens, kSlots, kTables, kSpec, kAccepted, kRoles };

struct TensorDeleter {
  void operator()(aclTensor* tensor) const { (void)aclDestroyTensor(tensor); }
};
using TensorPtr = std::unique_ptr<aclTensor, TensorDeleter>;

/// A tensor over memory the caller owns; empty @p strides means row-major.
TensorPtr make_tensor(void* data, const std::vector<int64_t>& shape, std::vector<int64_t> strides = {},
                      int64_t offset = 0, aclDataType type = ACL_INT64);

/// A stream from aclrtCreateStream, destroyed with its owner. ADVSTEP_STREAM_MODE is set to
/// "deferred" (or unset) for the creation only and then restored, so the test decides the mode
/// whatever the environment says. Changes the environment: create streams on one thread only.
class StreamHandle {
 public:
  explicit StreamHandle(bool deferred = false);
  ~StreamHandle();
  StreamHandle(const StreamHandle&) = delete;
  StreamHandle& operator=(const StreamHandle&) = delete;
  [[nodiscard]] aclrtStream get() const { return stream_; }
  /// Hands the stream to the caller, who destroys it.
  [[nodiscard]] aclrtStream release() { return std::exchange(stream_, nullptr); }

 private:
  aclrtStream stream_ = nullptr;
};

/// Every message pending for this thread is dropped, so a check sees only what one call reported.
void clear_messages();

/// The pending message is one report (no TraceBack), names @p api and contains every part; and
/// reading it cleared it.
::testing::AssertionResult message_has(std::string_view api, std::initializer_list<std::string_view> parts);

/// One call's arguments. Tensors are owned; a test replaces one, passes a foreign one (use) or none
/// (drop), and changes the attributes or the out-pointers.
class CallCase {
 public:
  /// CANN's V1 example: numSeqs 8, numQueries 4, blockSize 2, tensors [8, 1] and [4, 1], inputs
  /// 0..7, sampledTokenIds 0..3.
  static CallCase official_v1();
  /// A speculative V2 call: numSeqs = numQueries = 2, S = 2 (E = 3), blockSize 4, tables [2, 3],
  /// per-token tensors [6]; see speculative_expected().
  static CallCase speculative_v2();

  std::array<DeviceTensor, kRoles> tensors;
  int64_t num_seqs = 0;
  int64_t num_queries = 0;
  int64_t block_size = 0;
  bool pass_workspace_size = true;
  bool pass_executor = true;
  uint64_t workspace_size = 0;
  aclOpExecutor* executor = nullptr;

  /// Passes @p tensor instead of the owned one in @p role (null: pass nothing there).
  void use(Role role, const aclTensor* tensor);
  /// Passes a null tensor in @p role.
  void drop(Role role) { use(role, nullptr); }
  /// Replaces the owned tensor in @p role (and undoes use/drop there).
  void set(Role role, const std::vector<int64_t>& values, std::vector<int64_t> shape, aclDataType type = ACL_INT64);

  /// Phase 1 of V1 / V2 with the current arguments; executor and workspace_size receive the outputs.
  int32_t plan_v1();
  int32_t plan_v2();

  /// The bytes of every owned tensor, for "nothing changed" checks.
  [[nodiscard]] std::vector<std::vector<uint8_t>> bytes() const;
  [[nodiscard]] std::vector<int64_t> values(Role role) const { return tensors[role].values(); }

  /// Phase 1 fails with @p code and a message naming the API and @p parts, sets no executor, and
  /// changes no byte.
  ::testing::AssertionResult refused(bool v2, int32_t code, std::initializer_list<std::string_view> parts);

  /// Phase 1 and 2 succeed; the next aclrtSynchronizeStream of a fresh stream (deferred or not)
  /// returns 507015 once, with a message naming the API and @p parts; no byte changed.
  ::testing::AssertionResult faults(bool v2, std::initializer_list<std::string_view> parts, bool deferred = false);

  /// Phase 1, phase 2 and a synchronisation on a fresh stream all succeed.
  ::testing::AssertionResult runs(bool v2, bool deferred = false);

 private:
  [[nodiscard]] const aclTensor* arg(Role role) const;

  std::array<bool, kRoles> replaced_{};
  std::array<const aclTensor*, kRoles> replacement_{};
};

/// What speculative_v2() becomes after one step: tokens, positions, seqLens, slots.
struct SpeculativeResult {
  std::vector<int64_t> tokens, positions, seq_lens, slots;
};
SpeculativeResult speculative_expected();

}  // namespace advstep::testing
