#include "environment/huawei_goldens.hpp"

#include <algorithm>

namespace advstep::testing::goldens {
namespace {

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
int64_t floor_mod(int64_t a, int64_t b) {
  return a - floor_div(a, b) * b;
}

/// numpy.random.randint(lo, hi, size): values in [lo, hi).
std::vector<int64_t> randint(std::mt19937_64& engine, int64_t lo, int64_t hi, int64_t size) {
  std::vector<int64_t> values(static_cast<size_t>(size));
  for (int64_t& v : values) v = lo + static_cast<int64_t>(engine() % static_cast<uint64_t>(hi - lo));
  return values;
}

}  // namespace

oracle::StepOutputs v1_golden(const oracle::StepInputs& in, int64_t cores) {
  std::vector<int64_t> tokens = in.input_tokens, positions = in.input_positions, lens = in.seq_lens,
                       slots = in.slot_mapping;
  const int64_t stride0 = in.table_width;
  for (int64_t block_idx = 0; block_idx < cores; ++block_idx) {
    const int64_t n_pad = in.num_seqs - in.num_queries;
    if (n_pad > 0 && block_idx == 0) {
      for (int64_t i = 0; i < n_pad; i += cores) {
        tokens[static_cast<size_t>(in.num_queries + i)] = 0;
        positions[static_cast<size_t>(in.num_queries + i)] = 0;
        slots[static_cast<size_t>(in.num_queries + i)] = -1;
      }
    }
    if (block_idx >= in.num_queries) break;
    const auto q = static_cast<size_t>(block_idx);
    tokens[q] = in.sampled_token_ids[q];
    const int64_t next_seq_len = lens[q] + 1;
    const int64_t next_input_pos = next_seq_len - 1;
    lens[q] = next_seq_len;
    positions[q] = next_input_pos;
    const int64_t cur_block = in.block_tables[static_cast<size_t>(floor_div(next_input_pos, in.block_size))];
    slots[q] = (cur_block + stride0 * block_idx) * in.block_size + floor_mod(next_input_pos, in.block_size);
  }
  return {tokens, positions, lens, slots};
}

oracle::StepOutputs v2_golden(const oracle::StepInputs& in) {
  const int64_t e = in.spec_num + 1;
  const auto n = static_cast<size_t>(in.num_seqs);
  std::vector<int64_t> positions = in.input_positions, tokens = in.input_tokens;
  std::vector<int64_t> lens(positions.size()), slots(positions.size());
  for (size_t k = 0; k < positions.size(); ++k) positions[k] += in.accepted_num[k / static_cast<size_t>(e)] + 1;
  for (size_t k = 0; k < positions.size(); ++k) lens[k] = positions[k] + 1;
  for (size_t i = 0; i < n; ++i) {
    std::vector<int64_t> row(in.sampled_token_ids.begin() + static_cast<std::ptrdiff_t>(i * e),
                             in.sampled_token_ids.begin() + static_cast<std::ptrdiff_t>((i + 1) * e));
    row.push_back(-1);
    const int64_t index = (std::min_element(row.begin(), row.end()) - row.begin()) - 1;
    const int64_t column = index < 0 ? index + e : index;  // Python's negative index
    tokens[i * static_cast<size_t>(e)] = in.sampled_token_ids[i * static_cast<size_t>(e) + static_cast<size_t>(column)];
    for (int64_t s = 0; s < in.spec_num; ++s) {
      tokens[i * static_cast<size_t>(e) + 1 + static_cast<size_t>(s)] =
          in.spec_token[i * static_cast<size_t>(in.spec_num) + static_cast<size_t>(s)];
    }
  }
  for (size_t k = 0; k < positions.size(); ++k) {
    const int64_t request = static_cast<int64_t>(k) / e;
    const int64_t index = request * in.table_width + floor_div(positions[k], in.block_size);
    slots[k] = in.block_tables[static_cast<size_t>(index)] * in.block_size + floor_mod(positions[k], in.block_size);
  }
  return {tokens, positions, lens, slots};
}

oracle::StepInputs kernel_ut_case(std::mt19937_64& engine) {
  oracle::StepInputs in;
  in.num_seqs = 16;
  in.num_queries = 8;
  in.block_size = 8;
  in.table_width = 1;
  in.input_tokens = randint(engine, 0, 10, 16);
  in.sampled_token_ids = randint(engine, 0, 10, 8);
  in.input_positions = randint(engine, 0, 10, 16);
  in.seq_lens = randint(engine, 0, 10, 16);
  in.slot_mapping = randint(engine, 0, 10, 16);
  in.block_tables = randint(engine, 0, 10, 16);
  return in;
}

oracle::StepInputs op_plugin_v1_case(std::mt19937_64& engine, int64_t i) {
  oracle::StepInputs in;
  in.num_seqs = 2 * i + 2;
  in.num_queries = i + 1;
  in.block_size = i + 1;
  in.input_tokens = randint(engine, 5, 50, in.num_seqs);
  in.sampled_token_ids = randint(engine, 5, 50, in.num_queries);
  in.input_positions = randint(engine, 5, 50, in.num_seqs);
  in.seq_lens = randint(engine, 5, 50, in.num_seqs);
  in.slot_mapping = randint(engine, 5, 50, in.num_seqs);
  in.table_width = *std::max_element(in.seq_lens.begin(), in.seq_lens.end()) / in.block_size + 1;
  in.block_tables = randint(engine, 5, 50, in.num_seqs * in.table_width);
  return in;
}

oracle::StepInputs op_plugin_v2_case(std::mt19937_64& engine, int64_t i) {
  oracle::StepInputs in;
  in.num_seqs = 2 * i + 2;
  in.num_queries = in.num_seqs;
  in.block_size = 8;
  in.spec_num = 3;
  const int64_t cells = in.num_seqs * 4;
  in.input_tokens = randint(engine, 5, 50, cells);
  in.sampled_token_ids = randint(engine, 5, 50, cells);
  in.input_positions = randint(engine, 5, 50, cells);
  in.seq_lens = randint(engine, 5, 50, cells);
  in.slot_mapping = randint(engine, 5, 50, cells);
  in.spec_token = randint(engine, 5, 50, in.num_seqs * 3);
  in.accepted_num = randint(engine, 5, 50, in.num_seqs);
  in.table_width = 10000;
  in.block_tables = randint(engine, 5, 50, in.num_seqs * in.table_width);
  return in;
}

oracle::StepInputs st_v2_case(std::mt19937_64& engine, int64_t max_seqs) {
  oracle::StepInputs in;
  in.num_seqs = 24 + static_cast<int64_t>(engine() % static_cast<uint64_t>(std::max<int64_t>(max_seqs - 23, 1)));
  in.num_queries = in.num_seqs;
  in.block_size = 8;
  in.spec_num = 1 + static_cast<int64_t>(engine() % 126);
  const int64_t cells = in.num_seqs * (in.spec_num + 1);
  in.input_tokens = randint(engine, 0, 101, cells);
  in.sampled_token_ids = randint(engine, 0, 101, cells);
  in.input_positions = randint(engine, 0, 101, cells);
  in.seq_lens = randint(engine, 0, 101, cells);
  in.slot_mapping = randint(engine, 0, 101, cells);
  in.spec_token = randint(engine, 0, 101, in.num_seqs * in.spec_num);
  in.accepted_num = randint(engine, 0, 101, in.num_seqs);
  in.table_width = in.num_seqs <= 64 ? 10000 : 64;
  in.block_tables = randint(engine, 0, 101, in.num_seqs * in.table_width);
  return in;
}

}  // namespace advstep::testing::goldens
