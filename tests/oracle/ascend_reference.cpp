#include "oracle/ascend_reference.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace advstep::oracle {
namespace {

__extension__ using Wide = __int128;

/// @p value reduced to a signed integer of @p bits bits (two's complement), as a register of that
/// width holds the exact result.
int64_t reduce(Wide value, int bits) {
  const Wide modulus = Wide{1} << bits;
  Wide r = value % modulus;
  if (r < 0) r += modulus;
  if (r >= modulus / 2) r -= modulus;
  return static_cast<int64_t>(r);
}
int64_t as_int64(Wide value) {
  return reduce(value, 64);
}
int64_t as_int32(Wide value) {
  return reduce(value, 32);
}

size_t at(Wide index) {
  return static_cast<size_t>(index);
}

StepOutputs unchanged(const StepInputs& in) {
  return {in.input_tokens, in.input_positions, in.seq_lens, in.slot_mapping};
}

/// The block-table read of @p block (of sequence @p seq) at flat @p entry is allowed, or its fault.
std::optional<FaultCause> read_fault(const StepInputs& in, Wide block, Wide entry, bool row_bound) {
  if (row_bound && (block < 0 || block >= in.table_width)) return FaultCause::kBlockOutsideRow;
  if (entry < 0 || entry >= static_cast<Wide>(in.block_tables.size())) return FaultCause::kBlockOutsideTable;
  return std::nullopt;
}

Expected v1_kernel(const StepInputs& in, int64_t cores, bool row_bound) {
  if (in.num_seqs <= in.num_queries) throw std::invalid_argument("ascend V1 needs N > Q");
  StepOutputs out = unchanged(in);
  // Query rows first (a faulty one writes nothing); the kernel pads before, but the rows are disjoint.
  const int64_t rows = std::min(in.num_queries, cores);
  for (int64_t i = 0; i < rows; ++i) {
    const Wide pos = in.seq_lens[at(i)];
    const Wide block = pos / in.block_size;  // C++ truncates toward zero, as the NPU's scalar unit
    const Wide offset = pos % in.block_size;
    if (auto cause = read_fault(in, block, block, row_bound)) {
      return {Fault{*cause, i, 0, in.seq_lens[at(i)]}, unchanged(in)};
    }
    const Wide value = Wide{in.block_tables[at(block)]} + Wide{in.table_width} * i;
    out.input_tokens[at(i)] = in.sampled_token_ids[at(i)];
    out.input_positions[at(i)] = as_int64(pos + 1 - 1);
    out.seq_lens[at(i)] = as_int64(pos + 1);
    out.slot_mapping[at(i)] = as_int64(Wide{as_int64(value)} * in.block_size + offset);
  }
  for (int64_t k = 0; k < in.num_seqs - in.num_queries; k += cores) {
    const int64_t j = in.num_queries + k;
    out.input_tokens[at(j)] = 0;
    out.input_positions[at(j)] = 0;
    out.slot_mapping[at(j)] = -1;
  }
  return {std::nullopt, out};
}

Expected v2_kernel(const StepInputs& in, bool row_bound) {
  StepOutputs out = unchanged(in);
  const int64_t s = in.spec_num;
  const int64_t e = s + 1;
  const int64_t b = as_int32(in.block_size);
  if (b != in.block_size) throw std::invalid_argument("ascend V2 needs B < 2^31");
  for (int64_t i = 0; i < in.num_seqs; ++i) {
    std::vector<float> row;
    for (int64_t c = 0; c < e; ++c) row.push_back(static_cast<float>(in.sampled_token_ids[at(i * e + c)]));
    row.push_back(-1.0f);
    const auto m = static_cast<int64_t>(std::min_element(row.begin(), row.end()) - row.begin());
    if (m == 0) return {Fault{FaultCause::kNoLastToken, i, 0, in.sampled_token_ids[at(i * e)]}, unchanged(in)};
    const int64_t accepted = as_int32(in.accepted_num[at(i)]);
    for (int64_t j = 0; j < e; ++j) {
      const int64_t k = i * e + j;
      const int64_t pos = as_int32(Wide{as_int32(in.input_positions[at(k)])} + accepted + 1);
      const Wide block = Wide{pos} / b;
      const Wide entry = Wide{i} * in.table_width + block;
      if (auto cause = read_fault(in, block, entry, row_bound)) return {Fault{*cause, i, j, pos}, unchanged(in)};
      const int64_t block_id = as_int32(in.block_tables[at(entry)]);
      out.input_positions[at(k)] = pos;
      out.seq_lens[at(k)] = as_int32(Wide{pos} + 1);
      out.slot_mapping[at(k)] = as_int32(Wide{block_id} * b + Wide{pos} % b);
      out.input_tokens[at(k)] = j == 0 ? in.sampled_token_ids[at(i * e + m - 1)] : in.spec_token[at(i * s + j - 1)];
    }
  }
  return {std::nullopt, out};
}

}  // namespace

Expected ascend_reference_advance_step(const StepInputs& inputs, int64_t cores, bool row_bound) {
  if (cores < 1) throw std::invalid_argument("cores must be positive");
  return inputs.speculative() ? v2_kernel(inputs, row_bound) : v1_kernel(inputs, cores, row_bound);
}

}  // namespace advstep::oracle
