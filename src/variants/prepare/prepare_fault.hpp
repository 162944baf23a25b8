// A prepare-step data fault as a plain record (prepare_step.md section 4): what the row walk returns
// on the host and what a CUDA validation kernel leaves in device memory, so both report the same
// fault; its text is made on the host, from the record alone.
#pragma once

#include <cstdint>
#include <string>

#include "core/host_device.hpp"
#include "variants/prepare/prepare_row.hpp"

namespace advstep::variants {

/// Why a value cannot be prepared; each reason belongs to one fault class F1-F8.
enum class PrepareReason : int32_t {
  kNone = 0,
  kRowIndex,              ///< F1: r outside [0, Rmax)
  kQslFirst,              ///< F2: qsl[0] != 0 (value 0: qsl[0])
  kQslDecreasing,         ///< F2: qsl[b + 1] < qsl[b] (values: qsl[b], qsl[b + 1])
  kQslPastTokens,         ///< F2: qsl[R] > M (value 0: qsl[R])
  kNegativeComputed,      ///< F3: nc[r] < 0 (value 0)
  kLengthSource,          ///< F3: seq_base - seq_sub outside [0, seq_cap] (value 0: the source)
  kNegativeLength,        ///< F3: src + delta < 0 (values: src, delta)
  kNegativePosition,      ///< F3: pos_in + delta < 0 (values: pos_in, delta)
  kCuFirst,               ///< F4: cu[0] != 0
  kCuDecreasing,          ///< F4: cu[b + 1] < cu[b]
  kCuPastLogits,          ///< F4: cu[R] > len(logits_indices) (values: cu[R], the length)
  kFewerLogitsThanBonus,  ///< F4: NL < nb (values: NL, L, D)
  kMoreLogitsThanTokens,  ///< F4: NL > L (values: NL, L, D)
  kMoreDraftsThanWidth,   ///< F4: D > S (values: NL, L, D)
  kNoBonusToken,          ///< F4, ADVANCE: L = 0 (value 0: L)
  kPadNeedsOneToken,      ///< F4, ADVANCE: on_cap=pad with L != 1 (value 0: L)
  kBlockIndex,            ///< F5: the block index leaves the bound (values: column, position)
  kNegativeBlockId,       ///< F5: a local token's block id < 0 (values: id, column)
  kDoesNotFit,            ///< F6: a value does not fit its output (value 0; output, element)
  kSampledStartsEmpty,    ///< F7: sampled_token_ids[b, 0] == -1
};

/// The output an F6 names.
enum class PrepareOutput : int32_t {
  kPositions = 0,
  kSeqLens,
  kSlotMapping,
  kInputIds,
  kLogitsIndices,
  kTokenSeqLens,
  kDcpLocalSeqLens,
};

struct PrepareFault {
  PrepareReason reason = PrepareReason::kNone;
  PrepareOutput output = PrepareOutput::kPositions;  ///< F6
  int32_t group = 0;                                 ///< F5
  bool has_b = false, has_r = false, has_t = false;
  bool narrow = false;  ///< F6: the output is int32
  int64_t b = 0, r = 0, t = 0;
  int64_t element = 0;  ///< F6: the element of the output
  Wide values[3] = {0, 0, 0};

  [[nodiscard]] ADVSTEP_HOST_DEVICE bool ok() const { return reason == PrepareReason::kNone; }
};

/// Where a fault was found, b, r, t where they apply (r is whatever idx_mapping held).
struct PreparePlace {
  bool has_b = false, has_r = false, has_t = false;
  int64_t b = 0, r = 0, t = 0;
};

ADVSTEP_HOST_DEVICE inline PreparePlace at_row(int64_t b) {
  return {true, false, false, b, 0, 0};
}
ADVSTEP_HOST_DEVICE inline PreparePlace at_state_row(int64_t b, int64_t r) {
  return {true, true, false, b, r, 0};
}
ADVSTEP_HOST_DEVICE inline PreparePlace at_token(int64_t b, int64_t r, int64_t t) {
  return {true, true, true, b, r, t};
}

ADVSTEP_HOST_DEVICE inline PrepareFault make_fault(PrepareReason reason, const PreparePlace& at, Wide first = 0,
                                                   Wide second = 0, Wide third = 0) {
  PrepareFault fault;
  fault.reason = reason;
  fault.has_b = at.has_b;
  fault.has_r = at.has_r;
  fault.has_t = at.has_t;
  fault.b = at.b;
  fault.r = at.r;
  fault.t = at.t;
  fault.values[0] = first;
  fault.values[1] = second;
  fault.values[2] = third;
  return fault;
}

/// The fault class of a reason: "F1" .. "F7".
const char* fault_class(PrepareReason reason);

/// The report of a fault: "advstep::<operation>: data fault F<n> at b = .., r = .., t = ..: <what>;
/// nothing was written". @p plan supplies the sizes the text names (M, R, S, W, bound).
struct PreparePlan;
std::string describe_fault(const PreparePlan& plan, const PrepareFault& fault);

}  // namespace advstep::variants
