#include "core/fault.hpp"

#include <string>

#include "core/message.hpp"

namespace advstep::core {

Status describe_fault(const Plan& plan, const RowFault& fault) {
  const bool cann = plan.contract == Contract::kCann;
  const auto name = [&](TensorRole role) { return role_name(role, plan.contract); };
  const char* block_size = cann ? "blockSize" : "block_size";
  const int64_t width = plan.spec_num + 1;
  const std::string cell = plan.path == Path::kSpeculative
                               ? concat("sequence ", fault.sequence, ", column ", fault.column, " (element ",
                                        fault.sequence * width + fault.column, ")")
                               : concat("row ", fault.sequence);
  std::string what;
  std::string expected;
  switch (fault.kind) {
    case FaultKind::kNone:
      return {};
    case FaultKind::kNegativeSeqLen:
      what = concat(name(TensorRole::kSeqLens), "[", fault.sequence, "] is negative");
      expected = ">= 0";
      break;
    case FaultKind::kSeqLenOverflow:
      what = concat("the new length ", fault.value, " + 1 does not fit ", name(TensorRole::kSeqLens));
      expected = "a length below the dtype's maximum";
      break;
    case FaultKind::kNegativePosition:
      what = concat(name(TensorRole::kInputPositions), " is negative");
      expected = ">= 0";
      break;
    case FaultKind::kPositionOverflow:
      what = concat(name(TensorRole::kInputPositions), " + ", name(TensorRole::kAcceptedNum), " (", fault.extra,
                    ") + 1 overflows int64");
      expected = "a position below 2^63 - 1";
      break;
    case FaultKind::kBlockIndexOutOfTable:
      what = concat("block index ", fault.sequence, " * stride ", plan.table_stride, " + position ", fault.extra, " / ",
                    block_size, " ", plan.block_size, " leaves ", name(TensorRole::kBlockTables), " of ",
                    plan.table_numel, " entries");
      expected = concat("position / ", block_size, " < ", plan.table_numel - fault.sequence * plan.table_stride);
      break;
    case FaultKind::kNegativeBlockId:
      what = concat(name(TensorRole::kBlockTables), " holds a negative block id for position ", fault.extra);
      expected = ">= 0";
      break;
    case FaultKind::kSlotOverflow:
      what = concat("slot = block id * ", block_size, " ", plan.block_size, " + offset overflows int64 at position ",
                    fault.extra);
      expected = "a slot below 2^63";
      break;
    case FaultKind::kAcceptedOutOfRange:
      what = concat(name(TensorRole::kAcceptedNum), "[", fault.sequence, "] is outside [0, S]");
      expected = concat("0..", plan.spec_num);
      break;
    case FaultKind::kSampledRowStartsEmpty:
      what = concat(name(TensorRole::kSampledTokenIds), " row ", fault.sequence,
                    " starts with -1, so it has no last token");
      expected = "a token id in column 0";
      break;
  }
  return {StatusCode::kDataFault,
          concat(plan.api, ": data fault at ", cell, ": ", what, " (expected ", expected, ", got ", fault.value, "); no tensor was written")};
}

}  // namespace advstep::core
