#include "oracle/reference.hpp"

#include <limits>
#include <sstream>
#include <stdexcept>

namespace advstep::oracle {
namespace {

// 128 bits hold every intermediate (i * W + pos / B, id * B + pos % B, pos + accepted + 1) of
// 64-bit operands exactly, so the oracle needs no overflow reasoning of its own.
__extension__ using Wide = __int128;

constexpr Wide kInt64Max = std::numeric_limits<int64_t>::max();

Wide max_value(IndexType type) {
  return type == IndexType::kInt32 ? Wide{std::numeric_limits<int32_t>::max()} : kInt64Max;
}

size_t at(Wide index) {
  return static_cast<size_t>(index);
}

void require(bool condition, const char* what) {
  if (!condition) throw std::invalid_argument(std::string("reference_advance_step: ") + what);
}

void check_sizes(const StepInputs& in) {
  require(in.num_seqs >= 1 && in.num_queries >= 1 && in.block_size >= 1 && in.table_width >= 1,
          "N, Q, B and W must be positive");
  const auto n = static_cast<size_t>(in.num_seqs);
  const size_t per_token = in.speculative() ? n * static_cast<size_t>(in.spec_num + 1) : n;
  require(in.input_tokens.size() == per_token && in.input_positions.size() == per_token &&
              in.seq_lens.size() == per_token && in.slot_mapping.size() == per_token,
          "per-token tensors must hold N (or N * E) values");
  require(in.block_tables.size() == n * static_cast<size_t>(in.table_width), "block_tables must hold N * W");
  if (in.speculative()) {
    require(in.sampled_token_ids.size() == per_token, "sampled_token_ids must hold N * E");
    require(in.spec_token.size() == n * static_cast<size_t>(in.spec_num), "spec_token must hold N * S");
    require(in.accepted_num.size() == n, "accepted_num must hold N");
  } else {
    require(in.num_queries <= in.num_seqs, "Q must not exceed N");
    require(in.sampled_token_ids.size() == static_cast<size_t>(in.num_queries), "sampled_token_ids must hold Q");
  }
}

StepOutputs unchanged(const StepInputs& in) {
  return {in.input_tokens, in.input_positions, in.seq_lens, in.slot_mapping};
}

/// bt[seq * W + pos / B] * B + pos % B, or the reason it cannot be computed.
std::optional<FaultCause> slot_of(const StepInputs& in, int64_t seq, Wide pos, int64_t& slot) {
  const Wide block_size = in.block_size;
  if (in.row_bound && pos / block_size >= in.table_width) return FaultCause::kBlockOutsideRow;
  const Wide index = Wide{seq} * in.table_width + pos / block_size;
  if (index >= static_cast<Wide>(in.block_tables.size())) return FaultCause::kBlockOutsideTable;
  const int64_t block_id = in.block_tables[at(index)];
  if (block_id < 0) return FaultCause::kNegativeBlockId;
  const Wide wide_slot = Wide{block_id} * block_size + pos % block_size;
  if (wide_slot > kInt64Max) return FaultCause::kSlotDoesNotFit;
  slot = static_cast<int64_t>(wide_slot);
  return std::nullopt;
}

Expected plain_path(const StepInputs& in) {
  StepOutputs out = unchanged(in);
  for (int64_t i = 0; i < in.num_queries; ++i) {
    const int64_t pos = in.seq_lens[at(i)];
    const auto fail = [&](FaultCause cause) { return Expected{Fault{cause, i, 0, pos}, unchanged(in)}; };
    if (pos < 0) return fail(FaultCause::kNegativeSeqLen);
    if (Wide{pos} + 1 > max_value(in.seq_lens_type)) return fail(FaultCause::kLengthDoesNotFit);
    int64_t slot = 0;
    if (auto cause = slot_of(in, i, pos, slot)) return fail(*cause);
    out.input_tokens[at(i)] = in.sampled_token_ids[at(i)];
    out.input_positions[at(i)] = pos;
    out.seq_lens[at(i)] = pos + 1;
    out.slot_mapping[at(i)] = slot;
  }
  for (int64_t j = in.num_queries; j < in.num_seqs; ++j) {
    out.input_tokens[at(j)] = 0;
    out.input_positions[at(j)] = 0;
    out.slot_mapping[at(j)] = -1;  // seq_lens[j] stays as it was
  }
  return {std::nullopt, out};
}

Expected speculative_path(const StepInputs& in) {
  StepOutputs out = unchanged(in);
  const int64_t s = in.spec_num;
  const int64_t e = s + 1;
  for (int64_t i = 0; i < in.num_seqs; ++i) {
    const auto fail = [&](FaultCause cause, int64_t column, int64_t value) {
      return Expected{Fault{cause, i, column, value}, unchanged(in)};
    };
    int64_t m = 0;  // index of the first -1, or E
    while (m < e && in.sampled_token_ids[at(i * e + m)] != -1) ++m;
    if (m == 0) return fail(FaultCause::kNoLastToken, 0, -1);
    const int64_t accepted = in.accepted_num[at(i)];  // an offset: any value, only the position is checked
    for (int64_t j = 0; j < e; ++j) {
      const int64_t k = i * e + j;
      const int64_t old_pos = in.input_positions[at(k)];
      const Wide pos = Wide{old_pos} + accepted + 1;
      const bool fits = pos >= std::numeric_limits<int64_t>::min() && pos <= kInt64Max;
      const int64_t named = fits ? static_cast<int64_t>(pos) : old_pos;
      if (pos < 0) return fail(FaultCause::kNegativePosition, j, named);
      if (pos + 1 > max_value(in.seq_lens_type)) return fail(FaultCause::kLengthDoesNotFit, j, named);
      int64_t slot = 0;
      if (auto cause = slot_of(in, i, pos, slot)) return fail(*cause, j, named);
      out.input_positions[at(k)] = named;
      out.seq_lens[at(k)] = named + 1;
      out.slot_mapping[at(k)] = slot;
      out.input_tokens[at(k)] = j == 0 ? in.sampled_token_ids[at(i * e + m - 1)] : in.spec_token[at(i * s + j - 1)];
    }
  }
  return {std::nullopt, out};
}

}  // namespace

const char* index_type_name(IndexType type) {
  return type == IndexType::kInt32 ? "int32" : "int64";
}

const char* fault_cause_name(FaultCause cause) {
  switch (cause) {
    case FaultCause::kNegativeSeqLen:
      return "negative seq_len";
    case FaultCause::kNegativePosition:
      return "negative position";
    case FaultCause::kLengthDoesNotFit:
      return "length does not fit";
    case FaultCause::kBlockOutsideTable:
      return "block index outside the table";
    case FaultCause::kNegativeBlockId:
      return "negative block id";
    case FaultCause::kSlotDoesNotFit:
      return "slot does not fit int64";
    case FaultCause::kNoLastToken:
      return "sampled row starts with -1";
    case FaultCause::kBlockOutsideRow:
      return "block index outside the row";
  }
  return "?";
}

std::string StepInputs::describe() const {
  std::ostringstream text;
  text << "N=" << num_seqs << " Q=" << num_queries << " B=" << block_size << " W=" << table_width << " S=" << spec_num
       << " seq_lens=" << index_type_name(seq_lens_type) << " block_tables=" << index_type_name(block_tables_type);
  return text.str();
}

std::string difference(const StepOutputs& expected, const StepOutputs& actual) {
  std::ostringstream text;
  const auto compare = [&](const char* name, const std::vector<int64_t>& want, const std::vector<int64_t>& got) {
    if (want.size() != got.size()) {
      text << name << ": expected " << want.size() << " elements, got " << got.size() << "; ";
      return;
    }
    size_t first = want.size();
    size_t count = 0;
    for (size_t k = 0; k < want.size(); ++k) {
      if (want[k] == got[k]) continue;
      if (count++ == 0) first = k;
    }
    if (count == 0) return;
    text << name << "[" << first << "]: expected " << want[first] << ", got " << got[first] << " (" << count
         << " differ); ";
  };
  compare("input_tokens", expected.input_tokens, actual.input_tokens);
  compare("input_positions", expected.input_positions, actual.input_positions);
  compare("seq_lens", expected.seq_lens, actual.seq_lens);
  compare("slot_mapping", expected.slot_mapping, actual.slot_mapping);
  return text.str();
}

Expected reference_advance_step(const StepInputs& inputs) {
  check_sizes(inputs);
  return inputs.speculative() ? speculative_path(inputs) : plain_path(inputs);
}

}  // namespace advstep::oracle
