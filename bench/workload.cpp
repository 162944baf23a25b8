#include "workload.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "acl/acl.h"

namespace advstep::bench {
namespace {

// Independent value streams: stream k of element i is mix(i + k * 2^32).
constexpr uint64_t kPositionStream = 1;
constexpr uint64_t kTokenStream = 2;
constexpr uint64_t kAcceptedStream = 3;
constexpr uint64_t kBlockStream = 4;
constexpr uint64_t kVocabulary = 32000;
constexpr uint64_t kBlocks = uint64_t{1} << 20;  // block ids drawn from [0, 2^20)

uint64_t draw(uint64_t stream, int64_t index) { return mix(static_cast<uint64_t>(index) + (stream << 32)); }

}  // namespace

uint64_t mix(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string Case::key() const {
  char text[96];  // snprintf: GCC 12 warns falsely (-Wrestrict) on chained std::string operator+
  std::snprintf(text, sizeof text, "v%d/n=%lld/b=%lld/w=%lld", version, static_cast<long long>(n),
                static_cast<long long>(block_size), static_cast<long long>(width));
  return text;
}

int64_t Case::floor_bytes() const {
  constexpr int64_t kLine = 64;
  if (version == 1) {
    // read seq_lens, sampled, one table line; write four int64 outputs; the padding row writes three.
    return n * (8 + 8 + kLine + 4 * 8) + 3 * 8;
  }
  const int64_t e = spec_num + 1;
  // read sampled row, accepted, positions, drafts, one table line; write four outputs per cell.
  return n * (e * 8 + 8 + e * 8 + spec_num * 8 + kLine + 4 * e * 8);
}

Workload::Workload(const Case& c) : shape(c) {
  const int64_t n = c.n;
  const int64_t e = c.version == 1 ? 1 : c.spec_num + 1;
  const int64_t capacity = c.width * c.block_size;
  // Positions grow by up to `step` per call and kResetEvery calls run between resets.
  const int64_t step = c.version == 1 ? 1 : c.spec_num + 1;
  const int64_t headroom = kResetEvery * step + (e - 1) + 1;
  if (capacity <= headroom) throw std::invalid_argument("block table too small for " + c.key());

  input_tokens = allocate(c.cells());
  input_positions = allocate(c.cells());
  seq_lens = allocate(c.cells());
  slot_mapping = allocate(c.cells());
  sampled_token_ids = allocate(n * e);
  block_tables = allocate(c.num_seqs() * c.width);
  if (c.version == 2) {
    spec_token = allocate(n * c.spec_num);
    accepted_num = allocate(n);
  }
  std::fill_n(input_tokens, c.cells(), 0);
  std::fill_n(input_positions, c.cells(), 0);
  std::fill_n(seq_lens, c.cells(), 1);
  std::fill_n(slot_mapping, c.cells(), 0);

  for (int64_t i = 0; i < n; ++i) {
    const auto pos = static_cast<int64_t>(draw(kPositionStream, i) % static_cast<uint64_t>(capacity - headroom));
    if (c.version == 1) {
      seq_lens[i] = pos;
      sampled_token_ids[i] = static_cast<int64_t>(draw(kTokenStream, i) % kVocabulary);
    } else {
      const auto accepted = static_cast<int64_t>(draw(kAcceptedStream, i) % static_cast<uint64_t>(e));
      accepted_num[i] = accepted;
      for (int64_t j = 0; j < e; ++j) {
        input_positions[i * e + j] = pos + j;
        sampled_token_ids[i * e + j] =
            j <= accepted ? static_cast<int64_t>(draw(kTokenStream, i * e + j) % kVocabulary) : -1;
      }
      for (int64_t s = 0; s < c.spec_num; ++s) {
        spec_token[i * c.spec_num + s] = static_cast<int64_t>(draw(kTokenStream, (n + i) * e + s) % kVocabulary);
      }
    }
    // Only the entries the next kResetEvery steps can reach: a wide table stays mostly untouched.
    const int64_t last = std::min(c.width - 1, (pos + headroom) / c.block_size);
    for (int64_t b = pos / c.block_size; b <= last; ++b) {
      block_tables[i * c.width + b] = static_cast<int64_t>(draw(kBlockStream, i * c.width + b) % kBlocks);
    }
  }
  int64_t* consumed = c.version == 1 ? seq_lens : input_positions;
  initial_.assign(consumed, consumed + c.cells());
}

Workload::~Workload() {
  for (void* block : blocks_) (void)aclrtFree(block);
}

void Workload::reset() {
  int64_t* consumed = shape.version == 1 ? seq_lens : input_positions;
  std::memcpy(consumed, initial_.data(), initial_.size() * sizeof(int64_t));
}

int64_t* Workload::allocate(int64_t elements) {
  void* block = nullptr;
  if (aclrtMalloc(&block, static_cast<size_t>(elements) * sizeof(int64_t), ACL_MEM_MALLOC_HUGE_FIRST) != ACL_SUCCESS) {
    throw std::runtime_error("aclrtMalloc failed for " + shape.key());
  }
  blocks_.push_back(block);
  return static_cast<int64_t*>(block);
}

}  // namespace advstep::bench
