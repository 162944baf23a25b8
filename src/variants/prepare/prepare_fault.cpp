// The text of a prepare-step data fault (prepare_step.md section 4): the operation, the class, b, r, t
// and the values, made on the host from the record the host loop or a CUDA kernel left.
#include "variants/prepare/prepare_fault.hpp"

#include <cstdint>
#include <string>

#include "core/message.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::variants {
namespace {

using core::concat;

/// The text of a wide value (every value here fits 128 bits; only F6 can show one past int64).
std::string text(Wide value) {
  if (value >= INT64_MIN && value <= INT64_MAX) return std::to_string(static_cast<int64_t>(value));
  const bool negative = value < 0;
  __extension__ using Unsigned = unsigned __int128;
  Unsigned magnitude = negative ? static_cast<Unsigned>(-(value + 1)) + 1 : static_cast<Unsigned>(value);
  std::string digits;
  while (magnitude != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  return negative ? "-" + digits : digits;
}

const char* output_name(PrepareOutput output) {
  switch (output) {
    case PrepareOutput::kPositions:
      return "positions";
    case PrepareOutput::kSeqLens:
      return "seq_lens";
    case PrepareOutput::kSlotMapping:
      return "slot_mapping";
    case PrepareOutput::kInputIds:
      return "input_ids";
    case PrepareOutput::kLogitsIndices:
      return "logits_indices";
    case PrepareOutput::kTokenSeqLens:
      return "token_seq_lens";
    case PrepareOutput::kDcpLocalSeqLens:
      return "dcp_local_seq_lens";
  }
  return "an output";
}

std::string what(const PreparePlan& p, const PrepareFault& f) {
  const std::string v0 = text(f.values[0]);
  const std::string v1 = text(f.values[1]);
  const auto counts = concat(" (NL = ", v0, ", L = ", v1, ", D = ", text(f.values[2]), ")");
  switch (f.reason) {
    case PrepareReason::kNone:
      return "no fault";
    case PrepareReason::kRowIndex:
      return concat("idx_mapping[", f.b, "] = ", f.r, " is outside the state's rows [0, ", p.state_rows, ")");
    case PrepareReason::kQslFirst:
      return concat("query_start_loc[0] = ", v0, ", expected 0");
    case PrepareReason::kQslDecreasing:
      return concat("query_start_loc decreases: [", f.b, "] = ", v0, " > [", f.b + 1, "] = ", v1);
    case PrepareReason::kQslPastTokens:
      return concat("query_start_loc[R = ", p.rows, "] = ", v0, " exceeds M = ", p.tokens);
    case PrepareReason::kNegativeComputed:
      return concat("num_computed_tokens[", f.r, "] = ", v0, " is negative");
    case PrepareReason::kLengthSource:
      return concat("length source seq_base - seq_sub = ", v0, " is outside [0, ",
                    p.has_seq_cap ? std::to_string(p.seq_cap) : std::string("inf"), "]");
    case PrepareReason::kNegativeLength:
      return concat("new length ", v0, " + ", v1, " is negative");
    case PrepareReason::kNegativePosition:
      return concat("new position ", v0, " + ", v1, " is negative");
    case PrepareReason::kCuFirst:
      return concat("cu_num_logits[0] = ", v0, ", expected 0");
    case PrepareReason::kCuDecreasing:
      return concat("cu_num_logits decreases: [", f.b, "] = ", v0, " > [", f.b + 1, "] = ", v1);
    case PrepareReason::kCuPastLogits:
      return concat("cu_num_logits[R = ", p.rows, "] = ", v0, " exceeds logits_indices' ", v1, " elements");
    case PrepareReason::kFewerLogitsThanBonus:
      return concat("row has fewer logits than its ", p.num_bonus, " bonus token", counts);
    case PrepareReason::kMoreLogitsThanTokens:
      return concat("row has more logits than tokens", counts);
    case PrepareReason::kMoreDraftsThanWidth:
      return p.advance() ? concat("row has L - 1 = ", text(f.values[2]),
                                  " drafts, more than draft_tokens' width S = ", p.drafts)
                         : concat("row has more drafts than draft_tokens' width S = ", p.drafts, counts);
    case PrepareReason::kNoBonusToken:
      return "row has no token for its bonus token (L = 0)";
    case PrepareReason::kPadNeedsOneToken:
      return concat("on_cap='pad' needs one-token rows (got L = ", v0, ")");
    case PrepareReason::kBlockIndex: {
      const IndexInput& table = p.groups[f.group].table;
      const bool row = p.bound == BlockBound::kRow;
      const std::string limit =
          row ? concat("its row of W = ", table.columns)
              : concat("the table's ", text(static_cast<Wide>(table.rows) * table.columns), " entries");
      return concat("group ", f.group, ": block index ", v0, " of position ", v1, " leaves ", limit,
                    " (bound=", row ? "row" : "table", ")");
    }
    case PrepareReason::kNegativeBlockId:
      return concat("group ", f.group, ": block id ", v0, " at column ", v1, " is negative");
    case PrepareReason::kDoesNotFit:
      return concat(output_name(f.output), "[", f.element, "] = ", v0, " does not fit ", f.narrow ? "int32" : "int64");
    case PrepareReason::kSampledStartsEmpty:
      return concat("sampled_token_ids row ", f.b, " starts with -1, so it has no last token");
  }
  return "unknown fault";
}

}  // namespace

const char* fault_class(PrepareReason reason) {
  switch (reason) {
    case PrepareReason::kRowIndex:
      return "F1";
    case PrepareReason::kQslFirst:
    case PrepareReason::kQslDecreasing:
    case PrepareReason::kQslPastTokens:
      return "F2";
    case PrepareReason::kNegativeComputed:
    case PrepareReason::kLengthSource:
    case PrepareReason::kNegativeLength:
    case PrepareReason::kNegativePosition:
      return "F3";
    case PrepareReason::kCuFirst:
    case PrepareReason::kCuDecreasing:
    case PrepareReason::kCuPastLogits:
    case PrepareReason::kFewerLogitsThanBonus:
    case PrepareReason::kMoreLogitsThanTokens:
    case PrepareReason::kMoreDraftsThanWidth:
    case PrepareReason::kNoBonusToken:
    case PrepareReason::kPadNeedsOneToken:
      return "F4";
    case PrepareReason::kBlockIndex:
    case PrepareReason::kNegativeBlockId:
      return "F5";
    case PrepareReason::kDoesNotFit:
      return "F6";
    case PrepareReason::kSampledStartsEmpty:
      return "F7";
    case PrepareReason::kNone:
      break;
  }
  return "F?";
}

std::string describe_fault(const PreparePlan& plan, const PrepareFault& fault) {
  std::string where;
  if (fault.has_b) where += concat(" b = ", fault.b);
  if (fault.has_r) where += concat(where.empty() ? " " : ", ", "r = ", fault.r);
  if (fault.has_t) where += concat(where.empty() ? " " : ", ", "t = ", fault.t);
  return concat("advstep::", plan.advance() ? "advance_drafts" : "prepare_inputs", ": data fault ",
                fault_class(fault.reason), where.empty() ? "" : " at", where, ": ", what(plan, fault),
                "; nothing was written");
}

}  // namespace advstep::variants
