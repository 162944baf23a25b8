#include "oracle/ascend_cases.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <random>
#include <sstream>

namespace advstep::oracle {
namespace {

__extension__ using UWide = unsigned __int128;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

/// Integer-only draws from std::mt19937_64, so a seed names one case on every platform.
class Source {
 public:
  explicit Source(uint64_t seed) : engine_(seed) {}

  int64_t in(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    const uint64_t r = span == std::numeric_limits<uint64_t>::max()
                           ? engine_()
                           : static_cast<uint64_t>((static_cast<UWide>(engine_()) * (UWide{span} + 1)) >> 64);
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + r);
  }
  bool percent(int64_t p) { return in(0, 99) < p; }
  template <size_t Size>
  int64_t one_of(const std::array<int64_t, Size>& values) {
    return values[static_cast<size_t>(in(0, static_cast<int64_t>(Size) - 1))];
  }
  /// A value near one of the edges where 32- and 64-bit arithmetic wraps.
  int64_t edge() {
    static constexpr std::array<int64_t, 8> kEdges = {kInt32Max,
                                                      int64_t{kInt32Max} + 1,
                                                      -int64_t{kInt32Max} - 1,
                                                      int64_t{1} << 32,
                                                      kInt64Max,
                                                      kInt64Min,
                                                      int64_t{1} << 24,
                                                      -1};
    return static_cast<int64_t>(static_cast<uint64_t>(one_of(kEdges)) + static_cast<uint64_t>(in(-3, 3)));  // wraps
  }

 private:
  std::mt19937_64 engine_;
};

constexpr std::array<int64_t, 8> kCores = {1, 2, 3, 5, 8, 40, 48, 64};
constexpr std::array<int64_t, 8> kBlockSizes = {1, 2, 3, 7, 8, 16, 128, 1009};
constexpr std::array<int64_t, 5> kWideBlockSizes = {int64_t{1} << 20, 65537, kInt32Max, int64_t{1} << 30, 3};
constexpr std::array<int64_t, 5> kSpecNums = {1, 2, 3, 7, 15};

size_t at(int64_t index) {
  return static_cast<size_t>(index);
}

void fill(Source& draw, std::vector<int64_t>& values, int64_t count, int64_t lo, int64_t hi) {
  values.resize(at(count));
  for (int64_t& v : values) v = draw.in(lo, hi);
}

/// A sampled row: all tokens, a -1 from some column on, scattered -1s, values below -1, or ids that
/// round to one float. Column 0 keeps a token (the planted faults put -1 there).
void sampled_row(Source& draw, int64_t* row, int64_t width, bool wild) {
  for (int64_t c = 0; c < width; ++c) row[c] = draw.in(0, 100);
  switch (draw.in(0, wild ? 6 : 3)) {
    case 0:
      break;  // every draft accepted
    case 1:
    case 2: {
      const int64_t first = draw.in(1, width);  // width: none rejected
      for (int64_t c = first; c < width; ++c) row[c] = -1;
      break;
    }
    case 3:
      for (int64_t c = 1; c < width; ++c) {
        if (draw.percent(40)) row[c] = -1;
      }
      break;
    case 4:
      if (width > 1) row[draw.in(1, width - 1)] = draw.in(-1000, -2);  // below -1: the argmin takes it
      break;
    case 5:
      for (int64_t c = 0; c < width; ++c) row[c] = (int64_t{1} << 30) + draw.in(0, 64);  // float ties
      break;
    default:
      if (width > 1) row[draw.in(1, width - 1)] = draw.edge();
      break;
  }
}

void plain_case(Source& draw, StepInputs& in, bool wild) {
  const int64_t reachable_rows = in.row_bound ? 1 : -1;  // the row bound leaves row 0 only
  in.num_seqs = draw.percent(80) ? draw.in(2, 64) : draw.in(65, 400);
  in.num_queries = draw.in(1, in.num_seqs - 1);
  in.table_width = draw.in(1, 6);
  in.block_size = wild && draw.percent(30) ? draw.one_of(kWideBlockSizes) : draw.one_of(kBlockSizes);
  const int64_t n = in.num_seqs;
  const int64_t numel = n * in.table_width;
  fill(draw, in.input_tokens, n, 0, 1000);
  fill(draw, in.sampled_token_ids, in.num_queries, 0, 1000);
  fill(draw, in.input_positions, n, 0, 1000);
  fill(draw, in.slot_mapping, n, 0, 1000);
  fill(draw, in.block_tables, numel, 0, 1000);
  // Lengths whose block index stays in the table (the kernel reads row 0 at pos / B)...
  const int64_t entries = reachable_rows > 0 ? in.table_width : numel;
  const int64_t reach = std::min<int64_t>(entries * in.block_size - 1, kInt64Max / 2);
  fill(draw, in.seq_lens, n, 0, reach);
  for (int64_t i = 0; i < n; ++i) {
    if (draw.percent(wild ? 10 : 2)) in.seq_lens[at(i)] = -draw.in(0, in.block_size - 1);  // truncates to block 0
    if (wild && draw.percent(5)) in.block_tables[at(draw.in(0, numel - 1))] = draw.edge();
  }
  // A fault in one case in ten: a length past the table (or the row), or one below block 0.
  if (draw.percent(10)) {
    const int64_t row = draw.in(0, n - 1);
    in.seq_lens[at(row)] = draw.percent(50) ? draw.in(reach, kInt64Max) : draw.in(kInt64Min, -in.block_size);
  }
}

void speculative_case(Source& draw, StepInputs& in, bool wild) {
  in.spec_num = draw.one_of(kSpecNums);
  const int64_t e = in.spec_num + 1;
  in.num_seqs = draw.percent(85) ? draw.in(1, 48) : draw.in(49, 300);
  in.num_queries = in.num_seqs;
  in.table_width = draw.in(1, 8);
  in.block_size = wild && draw.percent(30) ? draw.one_of(kWideBlockSizes) : draw.one_of(kBlockSizes);
  const int64_t n = in.num_seqs;
  fill(draw, in.input_tokens, n * e, 0, 1000);
  fill(draw, in.seq_lens, n * e, 0, 1000);
  fill(draw, in.slot_mapping, n * e, 0, 1000);
  fill(draw, in.spec_token, n * in.spec_num, 0, 1000);
  fill(draw, in.block_tables, n * in.table_width, 0, 1000);
  in.sampled_token_ids.resize(at(n * e));
  for (int64_t i = 0; i < n; ++i) sampled_row(draw, in.sampled_token_ids.data() + i * e, e, wild);
  // acceptedNum is an offset, up to twice S and beyond; positions so the new one stays in the row.
  in.accepted_num.resize(at(n));
  in.input_positions.resize(at(n * e));
  const int64_t room = std::min<int64_t>(in.table_width * in.block_size, kInt32Max);
  // A multiple of 2^32 added to a value leaves its int32 unchanged: the kernel sees the small value.
  const auto high_bits = [&](int64_t value) { return value + draw.in(-3, 3) * (int64_t{1} << 32); };
  for (int64_t i = 0; i < n; ++i) {
    int64_t accepted = draw.in(0, 2 * in.spec_num + 3);
    if (accepted + 1 >= room) accepted = 0;
    in.accepted_num[at(i)] = wild && draw.percent(10) ? high_bits(accepted) : accepted;
    for (int64_t j = 0; j < e; ++j) {
      const int64_t pos = draw.in(0, room - accepted - 2 < 0 ? 0 : room - accepted - 2);
      in.input_positions[at(i * e + j)] = wild && draw.percent(10) ? high_bits(pos) : pos;
    }
    if (wild && draw.percent(5)) in.block_tables[at(i * in.table_width + draw.in(0, in.table_width - 1))] = draw.edge();
  }
  // A fault, or a wrap that may land anywhere, in one case in ten (wild: one in four).
  if (draw.percent(wild ? 25 : 10)) {
    const int64_t i = draw.in(0, n - 1);
    switch (draw.in(0, wild ? 3 : 1)) {
      case 0:
        in.sampled_token_ids[at(i * e)] = -1;  // no last token
        break;
      case 1:
        in.input_positions[at(i * e + draw.in(0, e - 1))] = draw.in(room, kInt32Max);  // past the row
        break;
      case 2:
        in.input_positions[at(i * e + draw.in(0, e - 1))] = draw.edge();
        break;
      default:
        in.accepted_num[at(i)] = draw.edge();
        break;
    }
  }
}

}  // namespace

std::string AscendCase::label() const {
  std::ostringstream text;
  text << "seed=" << seed << " cores=" << cores << " " << inputs.describe() << (inputs.row_bound ? " row bound" : "");
  return text.str();
}

AscendCase make_ascend_case(uint64_t seed, bool speculative, bool wild, bool row_bound_drawn) {
  Source draw(seed);
  AscendCase result;
  result.seed = seed;
  result.cores = draw.percent(70) ? draw.one_of(kCores) : draw.in(1, 100);
  result.inputs.row_bound = row_bound_drawn && draw.percent(50);
  if (speculative) {
    speculative_case(draw, result.inputs, wild);
  } else {
    plain_case(draw, result.inputs, wild);
  }
  return result;
}

}  // namespace advstep::oracle
