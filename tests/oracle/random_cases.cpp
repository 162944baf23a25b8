#include "oracle/random_cases.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

namespace advstep::oracle {
namespace {

__extension__ using Wide = __int128;
__extension__ using UWide = unsigned __int128;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kTokenSpan = int64_t{1} << 40;

int64_t type_max(IndexType type) {
  return type == IndexType::kInt32 ? int64_t{std::numeric_limits<int32_t>::max()} : kInt64Max;
}

int64_t narrow(Wide value) {
  return static_cast<int64_t>(value);
}
size_t at(int64_t index) {
  return static_cast<size_t>(index);
}

/// Integer-only draws: std::uniform_int_distribution differs between standard libraries, the
/// engine does not, and a seed must name the same case everywhere.
class Draw {
 public:
  explicit Draw(uint64_t seed) : engine_(seed) {}

  /// Uniform in [lo, hi].
  int64_t uniform(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    const uint64_t r = span == std::numeric_limits<uint64_t>::max()
                           ? engine_()
                           : static_cast<uint64_t>((static_cast<UWide>(engine_()) * (UWide{span} + 1)) >> 64);
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + r);
  }

  bool chance(int64_t percent) { return uniform(0, 99) < percent; }

  /// Log-uniform in [lo, hi], 0 <= lo: a bit length first, then a value of that length, so small
  /// and large magnitudes are drawn alike.
  int64_t spread(int64_t lo, int64_t hi) {
    const auto lo_bits = static_cast<int64_t>(std::bit_width(static_cast<uint64_t>(lo)));
    const auto hi_bits = static_cast<int64_t>(std::bit_width(static_cast<uint64_t>(hi)));
    const int64_t bits = uniform(lo_bits, hi_bits);
    const int64_t first = bits == 0 ? 0 : int64_t{1} << (bits - 1);
    const int64_t last = bits == 0 ? 0 : bits == 63 ? kInt64Max : (int64_t{1} << bits) - 1;
    return uniform(std::max(lo, first), std::min(hi, last));
  }

  /// In [lo, hi], 0 <= lo: each end a quarter of the time, since off-by-one errors live there.
  int64_t edgy(int64_t lo, int64_t hi) {
    switch (uniform(0, 3)) {
      case 0:
        return lo;
      case 1:
        return hi;
      case 2:
        return uniform(lo, hi);
      default:
        return lo + spread(0, hi - lo);
    }
  }

  template <typename T, size_t Size>
  T pick(const std::array<T, Size>& options) {
    return options[at(uniform(0, static_cast<int64_t>(Size) - 1))];
  }

 private:
  std::mt19937_64 engine_;
};

constexpr std::array<int64_t, 5> kSpecNums = {1, 2, 3, 7, 126};
constexpr std::array<int64_t, 10> kBlockSizes = {1, 2, 3, 7, 16, 100, 128, 1000, 4096, 1009};
constexpr std::array<int64_t, 10> kHugeBlockSizes = {
    int64_t{1} << 20, (int64_t{1} << 31) - 1, int64_t{1} << 31,    (int64_t{1} << 31) + 1, 3000000007,
    int64_t{1} << 40, (int64_t{1} << 40) + 3, 1000000000000000009, (int64_t{1} << 62) + 1, kInt64Max};

class Builder {
 public:
  Builder(uint64_t seed, const CaseOptions& options) : draw_(seed), options_(options) {}

  RandomCase build(uint64_t seed) {
    choose_sizes();
    fill_table();
    if (in_.speculative()) {
      speculative_rows();
    } else {
      plain_rows();
    }
    if (draw_.chance(30)) hide_unread_entries();
    if (draw_.chance(25)) tighten_read_entries();
    if (options_.plant_faults > 0) plant_faults();
    return {seed, in_, planted_};
  }

 private:
  void choose_sizes() {
    const auto index_type = [&](const std::optional<IndexType>& given) {
      if (given) return *given;
      if (options_.cann) return IndexType::kInt64;
      return draw_.chance(50) ? IndexType::kInt32 : IndexType::kInt64;
    };
    in_.seq_lens_type = index_type(options_.seq_lens_type);
    in_.block_tables_type = index_type(options_.block_tables_type);
    in_.spec_num = !options_.speculative ? 0 : options_.spec_num > 0 ? options_.spec_num : draw_.pick(kSpecNums);
    const int64_t width = in_.spec_num + 1;
    const int64_t fewest = options_.cann && !options_.speculative ? 2 : 1;  // CANN's V1 needs N > Q >= 1
    const int64_t max_n = std::max(fewest, std::min(options_.max_seqs, options_.max_entries / width));
    const int64_t min_n = std::clamp(options_.min_seqs, fewest, max_n);
    in_.num_seqs = draw_.spread(min_n, max_n);
    if (options_.speculative) {
      in_.num_queries = in_.num_seqs;
    } else {
      in_.num_queries = draw_.edgy(1, options_.cann ? in_.num_seqs - 1 : in_.num_seqs);
    }
    if (options_.huge) {
      in_.block_size =
          draw_.chance(50) ? draw_.pick(kHugeBlockSizes) : draw_.spread(int64_t{1} << 20, int64_t{1} << 45);
    } else {
      in_.block_size = draw_.chance(60) ? draw_.pick(kBlockSizes) : draw_.spread(1, 5000);
    }
    in_.table_width =
        draw_.spread(1, std::max<int64_t>(1, std::min<int64_t>(4096, options_.max_entries / in_.num_seqs)));
    // A speculative cell's position is at least 1 (accepted + 1), so one block of one slot cannot hold it.
    if (in_.speculative() && in_.block_size == 1 && in_.table_width == 1) in_.block_size = 2;
    const auto n = at(in_.num_seqs);
    const size_t per_token = n * at(width);
    in_.input_tokens = junk_values(per_token, kInt64Max);
    in_.input_positions = junk_values(per_token, kInt64Max);
    in_.seq_lens = junk_values(per_token, type_max(in_.seq_lens_type));
    in_.slot_mapping = junk_values(per_token, kInt64Max);
    max_offset_.assign(n * at(in_.table_width), -1);
  }

  /// Values the operator must overwrite or ignore: anything the dtype holds, negatives included.
  std::vector<int64_t> junk_values(size_t count, int64_t max) {
    std::vector<int64_t> values(count);
    for (int64_t& v : values) v = draw_.chance(10) ? draw_.uniform(-max - 1, max) : draw_.uniform(-100, 1000);
    return values;
  }

  int64_t token() { return draw_.chance(5) ? -1 : draw_.spread(0, kTokenSpan); }
  int64_t accepted_token() { return draw_.chance(5) ? -2 : draw_.spread(0, kTokenSpan); }

  void fill_table() {
    const int64_t id_max = max_block_id();
    in_.block_tables.resize(max_offset_.size());
    for (int64_t& id : in_.block_tables) {
      id = !options_.huge && draw_.chance(80) ? draw_.uniform(0, std::min<int64_t>(id_max, 100000))
                                              : draw_.edgy(0, id_max);
    }
  }

  /// The largest block id whose every slot fits int64 (and the table's dtype).
  [[nodiscard]] int64_t max_block_id() const {
    return std::min(type_max(in_.block_tables_type), (kInt64Max - (in_.block_size - 1)) / in_.block_size);
  }

  /// The largest position whose length (position + 1) fits seq_lens.
  [[nodiscard]] int64_t max_position() const { return type_max(in_.seq_lens_type) - 1; }

  /// The largest position sequence @p seq may read: its own row, or (spilling over, which the
  /// spec allows) the rest of the table.
  [[nodiscard]] int64_t row_limit(int64_t seq, bool spill) const {
    const Wide rows = spill ? in_.num_seqs - seq : 1;
    const Wide end = rows * in_.table_width * in_.block_size - 1;
    return narrow(std::min<Wide>(end, max_position()));
  }

  /// A valid position >= lo for sequence @p seq (lo <= row_limit(seq, true)), biased to block edges.
  int64_t position_for(int64_t seq, int64_t lo) {
    const bool spill = draw_.chance(5) || lo > row_limit(seq, false);
    const int64_t hi = row_limit(seq, spill);
    const int64_t b = in_.block_size;
    const Wide pos = Wide{draw_.edgy(lo / b, hi / b)} * b + draw_.edgy(0, b - 1);
    const int64_t chosen = narrow(std::clamp<Wide>(pos, lo, hi));
    int64_t& max_offset = max_offset_[at(narrow(Wide{seq} * in_.table_width + chosen / b))];
    max_offset = std::max(max_offset, chosen % b);
    return chosen;
  }

  void plain_rows() {
    in_.sampled_token_ids.resize(at(in_.num_queries));
    for (int64_t i = 0; i < in_.num_queries; ++i) {
      in_.seq_lens[at(i)] = position_for(i, 0);
      in_.sampled_token_ids[at(i)] = token();  // V1 copies column 0 whatever it holds, -1 included
    }
  }

  void speculative_rows() {
    const int64_t s = in_.spec_num;
    const int64_t e = s + 1;
    in_.sampled_token_ids.resize(at(in_.num_seqs * e));
    in_.spec_token.resize(at(in_.num_seqs * s));
    in_.accepted_num.resize(at(in_.num_seqs));
    for (int64_t i = 0; i < in_.num_seqs; ++i) {
      // acceptedNum is an offset: mostly a count in [0, S], sometimes far above S or below 0.
      const int64_t limit = row_limit(i, true) - 1;
      int64_t accepted = draw_.edgy(0, std::min(s, limit));
      if (draw_.chance(15)) {
        accepted = draw_.edgy(0, std::min(limit, s + 1000));
      } else if (draw_.chance(10) && limit < kInt64Max - 1001) {
        accepted = -draw_.spread(1, 1000);
      }
      in_.accepted_num[at(i)] = accepted;
      for (int64_t j = 0; j < e; ++j) {
        const int64_t lo = std::max<int64_t>(0, accepted + 1);
        in_.input_positions[at(i * e + j)] = narrow(Wide{position_for(i, lo)} - accepted - 1);
      }
      // The row's shape: no -1, an inner -1 with tokens after it, or a tail of -1s.
      const int64_t shape = draw_.uniform(0, 2);
      const int64_t first_reject = shape == 0 ? e : draw_.uniform(1, e - 1);
      for (int64_t j = 0; j < e; ++j) {
        int64_t& cell = in_.sampled_token_ids[at(i * e + j)];
        if (j < first_reject) {
          cell = accepted_token();
        } else if (j == first_reject || shape == 2) {
          cell = -1;
        } else {
          cell = token();
        }
      }
      for (int64_t j = 0; j < s; ++j) in_.spec_token[at(i * s + j)] = token();
    }
  }

  /// Entries no row reads may hold anything; negative ones prove they are not read.
  void hide_unread_entries() {
    for (size_t k = 0; k < max_offset_.size(); ++k) {
      if (max_offset_[k] < 0) in_.block_tables[k] = -draw_.edgy(1, type_max(in_.block_tables_type));
    }
  }

  /// The largest block id an entry can hold given the offsets read from it: one more and the
  /// largest offset's slot would pass 2^63 - 1. Where an id fits for some offsets only, an
  /// overflow test that looks at the block id alone goes wrong.
  [[nodiscard]] int64_t tight_block_id(int64_t offset) const {
    return std::min(type_max(in_.block_tables_type), (kInt64Max - offset) / in_.block_size);
  }

  void tighten_read_entries() {
    for (size_t k = 0; k < max_offset_.size(); ++k) {
      if (max_offset_[k] >= 0 && draw_.chance(30)) in_.block_tables[k] = tight_block_id(max_offset_[k]);
    }
  }

  /// The table entry position @p pos of sequence @p seq reads.
  [[nodiscard]] int64_t entry_of(int64_t seq, int64_t pos) const {
    return seq * in_.table_width + pos / in_.block_size;
  }

  /// A block id whose slot at position @p pos passes int64; false when the dtype holds none.
  bool overflowing_block_id(int64_t pos, int64_t& id) {
    if (in_.block_size < 2) return false;  // id * 1 + 0 never leaves int64
    if (tight_block_id(pos % in_.block_size) == type_max(in_.block_tables_type)) return false;
    id = draw_.edgy(tight_block_id(pos % in_.block_size) + 1, type_max(in_.block_tables_type));
    return true;
  }

  /// The smallest position of sequence @p seq whose block index leaves the table (may exceed int64).
  [[nodiscard]] Wide first_outside(int64_t seq) const {
    return Wide{in_.num_seqs - seq} * in_.table_width * in_.block_size;
  }

  void note(const char* what, int64_t seq, int64_t column) {
    std::ostringstream text;
    text << (planted_.empty() ? "" : "; ") << what << " at sequence " << seq << " column " << column;
    planted_ += text.str();
  }

  /// Several faults in distinct rows check that the first in row order is the one reported, also
  /// when a kernel splits the rows over threads. Distinct rows keep each plant's reads valid.
  void plant_faults() {
    const int64_t rows = in_.num_queries;
    const int64_t count = std::min<int64_t>(draw_.uniform(1, options_.plant_faults), rows);
    std::vector<int64_t> chosen;
    while (static_cast<int64_t>(chosen.size()) < count) {
      const int64_t r = chosen.empty() ? draw_.edgy(0, rows - 1) : draw_.uniform(0, rows - 1);
      if (std::find(chosen.begin(), chosen.end(), r) != chosen.end()) continue;
      chosen.push_back(r);
      if (in_.speculative()) {
        plant_speculative_fault(r);
      } else {
        plant_plain_fault(r);
      }
    }
  }

  void plant_plain_fault(int64_t r) {
    int64_t& len = in_.seq_lens[at(r)];
    const int64_t len_max = type_max(in_.seq_lens_type);
    int64_t id = 0;
    switch (draw_.uniform(0, 4)) {
      case 0:
        break;
      case 1:
        if (first_outside(r) <= len_max) {
          const int64_t lo = narrow(first_outside(r));
          len = lo + draw_.spread(0, std::min(len_max - lo, kTokenSpan));
          return note("block index outside the table", r, 0);
        }
        break;
      case 2:
        in_.block_tables[at(entry_of(r, len))] = -draw_.edgy(1, type_max(in_.block_tables_type));
        return note("negative block id", r, 0);
      case 3:
        if (overflowing_block_id(len, id)) {
          in_.block_tables[at(entry_of(r, len))] = id;
          return note("overflowing slot", r, 0);
        }
        break;
      default:
        len = len_max;
        return note("seq_len at its dtype's maximum", r, 0);
    }
    len = -draw_.edgy(1, len_max);
    note("negative seq_len", r, 0);
  }

  void plant_speculative_fault(int64_t r) {
    const int64_t s = in_.spec_num;
    const int64_t c = draw_.edgy(0, s);
    const int64_t accepted = in_.accepted_num[at(r)];
    int64_t& old_pos = in_.input_positions[at(r * (s + 1) + c)];
    int64_t id = 0;
    switch (draw_.uniform(0, 6)) {
      case 0:
        in_.sampled_token_ids[at(r * (s + 1))] = -1;
        return note("sampled row starting with -1", r, 0);
      case 1: {
        // acceptedNum is an offset: one that leads every position of the row below 0 or past 2^63 - 1.
        const auto row = in_.input_positions.begin() + static_cast<std::ptrdiff_t>(r * (s + 1));
        const auto [lowest, highest] = std::minmax_element(row, row + s + 1);
        if (draw_.chance(50)) {
          in_.accepted_num[at(r)] = narrow(std::max<Wide>(kInt64Min, -Wide{*highest} - 1 - draw_.spread(1, 1000)));
          return note("accepted_num leading to a negative position", r, 0);
        }
        in_.accepted_num[at(r)] = kInt64Max - draw_.uniform(0, *lowest);
        return note("accepted_num leading past 2^63 - 1", r, 0);
      }
      case 2:
        break;
      case 3:
        if (first_outside(r) - accepted - 1 <= kInt64Max) {
          const int64_t lo = narrow(first_outside(r) - accepted - 1);
          old_pos = lo + draw_.spread(0, std::min(kInt64Max - lo, kTokenSpan));
          return note("block index outside the table", r, c);
        }
        break;
      case 4:
        in_.block_tables[at(entry_of(r, old_pos + accepted + 1))] = -draw_.edgy(1, type_max(in_.block_tables_type));
        return note("negative block id", r, c);
      case 5:
        if (overflowing_block_id(old_pos + accepted + 1, id)) {
          in_.block_tables[at(entry_of(r, old_pos + accepted + 1))] = id;
          return note("overflowing slot", r, c);
        }
        break;
      default:
        if (Wide{type_max(in_.seq_lens_type)} - accepted - 1 <= kInt64Max) {  // out of reach below 0
          old_pos = narrow(Wide{type_max(in_.seq_lens_type)} - accepted - 1);
          return note("new position at seq_lens' maximum", r, c);
        }
        break;
    }
    old_pos = narrow(std::max<Wide>(kInt64Min, -Wide{accepted} - 1 - draw_.edgy(1, kInt64Max)));
    note("negative new position", r, c);
  }

  Draw draw_;
  CaseOptions options_;
  StepInputs in_;
  std::vector<int64_t> max_offset_;  ///< per block-table entry, the largest offset read from it; -1: unread
  std::string planted_;
};

}  // namespace

std::string RandomCase::label() const {
  std::ostringstream text;
  text << "seed=" << seed << " " << inputs.describe() << (planted.empty() ? " valid" : " planted: " + planted);
  return text.str();
}

RandomCase make_random_case(uint64_t seed, const CaseOptions& options) {
  return Builder(seed, options).build(seed);
}

}  // namespace advstep::oracle
