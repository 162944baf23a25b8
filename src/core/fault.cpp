#include "core/fault.hpp"

#include <limits>
#include <string>

#include "core/message.hpp"

namespace advstep::core {
namespace {

// Messages show the exact value of sums that may not fit 64 bits (a position past 2^63 - 1).
__extension__ using Wide = __int128;
__extension__ using UnsignedWide = unsigned __int128;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

std::string wide_string(Wide value) {
  if (value >= std::numeric_limits<int64_t>::min() && value <= kInt64Max) {
    return std::to_string(static_cast<int64_t>(value));
  }
  const bool negative = value < 0;
  auto magnitude = static_cast<UnsignedWide>(negative ? -(value + 1) : value) + (negative ? 1 : 0);
  std::string digits;
  while (magnitude != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  return negative ? "-" + digits : digits;
}

/// The largest value a seqLens element holds: int32 or int64 (the native API accepts both).
int64_t seq_len_max(const Plan& plan) {
  return plan.tensor(TensorRole::kSeqLens).type == ElementType::kInt32 ? std::numeric_limits<int32_t>::max()
                                                                       : kInt64Max;
}

class FaultText {
 public:
  FaultText(const Plan& plan, const RowFault& fault) : plan_(plan), fault_(fault) {}

  [[nodiscard]] Explanation explain() const {
    if (Explanation own; explain_flashinfer_fault(plan_, fault_, own)) return own;
    switch (fault_.kind) {
      case FaultKind::kNone:
        break;
      case FaultKind::kNegativeSeqLen:
        return {concat(indexed(TensorRole::kSeqLens, fault_.sequence), " is negative"), ">= 0",
                std::to_string(fault_.value)};
      case FaultKind::kSeqLenOverflow:
        return {concat("the new length ", fault_.value, " + 1 = ", wide_string(Wide{fault_.value} + 1),
                       " does not fit ", name(TensorRole::kSeqLens)),
                concat("a new length at most ", seq_len_max(plan_)), wide_string(Wide{fault_.value} + 1)};
      case FaultKind::kNegativePosition:
        return {concat("the new position ", new_position_terms(), " is negative"), ">= 0", wide_string(new_position())};
      case FaultKind::kPositionOverflow:
        return {concat("the new position ", new_position_terms(), " exceeds 2^63 - 1"),
                "a new position at most 2^63 - 1 = 9223372036854775807", wide_string(new_position())};
      case FaultKind::kBlockIndexOutOfTable:
        if (reads_row_zero()) {
          return {concat("block index = position ", fault_.extra, " / ", block_size(), " = ", fault_.value,
                         " reads entry ", fault_.value, " of ", name(TensorRole::kBlockTables),
                         " (the Ascend V1 kernel reads row 0), outside the table"),
                  concat("a block index in [0, ", plan_.table_numel, ")"), std::to_string(fault_.value)};
        }
        if (entry_read() < 0) {  // the Ascend V2 kernel: a wrapped, negative position
          return {concat("block index = position ", fault_.extra, " / ", block_size(), " = ", fault_.value,
                         " reads entry ", fault_.sequence, " * W + ", fault_.value, " = ", wide_string(entry_read()),
                         " of ", name(TensorRole::kBlockTables), ", before its start"),
                  concat("a block index of at least ", -fault_.row_start), std::to_string(fault_.value)};
        }
        return {concat("block index = position ", fault_.extra, " / ", block_size(), " = ", fault_.value,
                       " reads entry ", fault_.sequence, " * W + ", fault_.value, " = ", wide_string(entry_read()),
                       " of ", name(TensorRole::kBlockTables), ", past its end"),
                concat("a block index below ", plan_.table_numel - fault_.row_start, ", so that entry ",
                       fault_.sequence, " * W + index stays below the table's ", plan_.table_numel, " entries"),
                std::to_string(fault_.value)};
      case FaultKind::kNegativeBlockId:
        return {
            concat(entry(), " (block index = position ", fault_.extra, " / ", block_size(), ") is a negative block id"),
            ">= 0", std::to_string(fault_.value)};
      case FaultKind::kSlotOverflow: {
        const int64_t offset = fault_.extra % plan_.block_size;
        return {concat("slot = block id ", fault_.value, " * ", block_size(), " + offset ", offset, " = ",
                       wide_string(Wide{fault_.value} * plan_.block_size + offset), " exceeds 2^63 - 1 (", entry(),
                       ", position ", fault_.extra, ")"),
                concat("a block id at most (2^63 - 1 - ", offset, ") / ", plan_.block_size, " = ",
                       (kInt64Max - offset) / plan_.block_size),
                std::to_string(fault_.value)};
      }
      case FaultKind::kBlockIndexOutOfRow: {
        const std::string outside =
            concat("block index = position ", fault_.extra, " / ", block_size(), " = ", fault_.value, " of sequence ",
                   fault_.sequence, " is outside its row of W = ", plan_.table_stride, " blocks");
        const std::string expected = concat("a block index in [0, ", plan_.table_stride, ")");
        if (reads_row_zero()) {  // the entry is in row 0's reckoning; the kernel then adds sequence * W
          return {concat(outside, "; the Ascend V1 kernel would read entry ", wide_string(entry_read()),
                         " (row 0), which lies in ", row_of_entry(), ", and add ", fault_.sequence,
                         " * W = ", wide_string(Wide{fault_.sequence} * plan_.table_stride),
                         " to the block id found there (row bound)"),
                  expected, std::to_string(fault_.value)};
        }
        return {concat(outside, ", so its slot would be in ", owner_of_entry(), " (entry ", wide_string(entry_read()),
                       "; row bound)"),
                expected, std::to_string(fault_.value)};
      }
      case FaultKind::kSampledRowStartsEmpty:
        if (fault_.value != -1) {  // the Ascend kernel's argmin: a value below -1 in column 0
          return {concat(name(TensorRole::kSampledTokenIds), " row ", fault_.sequence,
                         " has its least value in column 0 (the Ascend kernel's argmin), so it has no last token"),
                  "a least value after column 0", std::to_string(fault_.value)};
        }
        return {concat(name(TensorRole::kSampledTokenIds), " row ", fault_.sequence,
                       " starts with -1, so it has no last token"),
                "a token id in column 0", "-1"};
      default:  // the FlashInfer variant's, explained above
        break;
    }
    return {};
  }

  /// "sequence 3" or "sequence 1, column 2 (element 5)".
  [[nodiscard]] std::string where() const {
    if (plan_.path() != Path::kSpeculative) return concat("sequence ", fault_.sequence);
    return concat("sequence ", fault_.sequence, ", column ", fault_.column, " (element ", element(), ")");
  }

  /// "blockTables holds 8 rows of W = 1 (8 entries)": every fault is read against the table's shape.
  [[nodiscard]] std::string table() const {
    return concat(name(TensorRole::kBlockTables), " holds ", plan_.table_numel / plan_.table_stride,
                  " rows of W = ", plan_.table_stride, " (", plan_.table_numel, " entries)");
  }

 private:
  [[nodiscard]] const char* name(TensorRole role) const { return role_name(role, plan_.contract); }
  [[nodiscard]] std::string indexed(TensorRole role, int64_t index) const {
    return concat(name(role), "[", index, "]");
  }
  [[nodiscard]] std::string block_size() const {
    return concat(plan_.contract == Contract::kCann ? "blockSize " : "block_size ", plan_.block_size);
  }
  /// The Ascend V1 kernel: its block index counts from row 0 whatever the sequence.
  [[nodiscard]] bool reads_row_zero() const {
    return plan_.semantics == Semantics::kAscend && plan_.path() == Path::kPlain;
  }
  /// The flat entry a block-index fault would read, exact: a huge block index overflows 64 bits.
  [[nodiscard]] Wide entry_read() const { return Wide{fault_.row_start} + fault_.value; }
  /// "sequence 1's row": the row the flat entry of a block-index fault lies in.
  [[nodiscard]] std::string row_of_entry() const {
    const Wide entry = entry_read();
    if (entry < 0 || entry >= plan_.table_numel) return "no sequence's row (outside the table)";
    return concat("sequence ", static_cast<int64_t>(entry / plan_.table_stride), "'s row");
  }
  /// "sequence 1's blocks": whose blocks the slot of a block-index fault would be taken from.
  [[nodiscard]] std::string owner_of_entry() const {
    const Wide entry = entry_read();
    if (entry < 0 || entry >= plan_.table_numel) return "no sequence's blocks (outside the table)";
    return concat("sequence ", static_cast<int64_t>(entry / plan_.table_stride), "'s blocks");
  }
  [[nodiscard]] int64_t element() const { return fault_.sequence * (plan_.spec_num() + 1) + fault_.column; }
  [[nodiscard]] Wide new_position() const { return Wide{fault_.value} + fault_.extra + 1; }
  /// "inputPositions[4] + acceptedNum[1] + 1 = -5 + 2 + 1"
  [[nodiscard]] std::string new_position_terms() const {
    return concat(indexed(TensorRole::kInputPositions, element()), " + ",
                  indexed(TensorRole::kAcceptedNum, fault_.sequence), " + 1 = ", fault_.value, " + ", fault_.extra,
                  " + 1");
  }
  /// "blockTables[3 * W + 5] = blockTables[8]"
  [[nodiscard]] std::string entry() const {
    const int64_t index = plan_.block_size > 0 ? fault_.extra / plan_.block_size : 0;
    return concat(name(TensorRole::kBlockTables), "[", fault_.sequence, " * W + ", index,
                  "] = ", name(TensorRole::kBlockTables), "[",
                  wide_string(Wide{fault_.sequence} * plan_.table_stride + index), "]");
  }

  const Plan& plan_;
  const RowFault& fault_;
};

}  // namespace

Status describe_fault(const Plan& plan, const RowFault& fault) {
  if (fault.ok()) return {};
  const FaultText text(plan, fault);
  const Explanation explanation = text.explain();
  // The table's shape explains faults that read it; a sampled row without a last token reads none.
  const std::string table = fault.kind == FaultKind::kSampledRowStartsEmpty ? "" : text.table() + "; ";
  return {StatusCode::kDataFault,
          concat(plan.api, ": data fault in ", text.where(), ": ", explanation.what, " (expected ",
                 explanation.expected, ", got ", explanation.got, "); ", table, "no tensor was written")};
}

}  // namespace advstep::core
