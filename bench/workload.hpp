// One benchmark case: the shape of a decode step and its tensors in device memory (aclrtMalloc).
//
// Every implementation, here and in bench/peers.py, runs on the same values: they come from
// splitmix64 of the element index, which both languages compute the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace advstep::bench {

/// Calls between two resets of the state a step advances. Each call moves a position forward (by 1
/// on V1, by up to S + 1 on V2); the initial positions leave room for this many calls in the table.
inline constexpr int64_t kResetEvery = 32;

struct Case {
  int32_t version = 1;     ///< 1: aclnnAdvanceStep, 2: aclnnAdvanceStepV2 speculative path
  int64_t n = 1;           ///< V1: query rows (one padding row follows); V2: sequences
  int64_t block_size = 16;
  int64_t width = 16;      ///< W, block-table entries per sequence
  int64_t spec_num = 3;    ///< S on V2

  /// "v1/n=256/b=16/w=16", the key the reports join on.
  [[nodiscard]] std::string key() const;
  [[nodiscard]] int64_t num_seqs() const { return version == 1 ? n + 1 : n; }
  [[nodiscard]] int64_t num_queries() const { return n; }
  /// Elements of input_tokens, input_positions, seq_lens and slot_mapping.
  [[nodiscard]] int64_t cells() const { return version == 1 ? n + 1 : n * (spec_num + 1); }
  /// The bytes one call must move at least: every element read or written once, and a whole
  /// 64-byte cache line for each block-table row it reads from.
  [[nodiscard]] int64_t floor_bytes() const;
};

/// The tensors of one case, allocated with aclrtMalloc so the C API accepts them; the native API
/// takes the same host addresses.
class Workload {
 public:
  explicit Workload(const Case& c);
  ~Workload();
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  /// Restores the inputs a step consumes (seq_lens on V1, input_positions on V2).
  void reset();

  const Case shape;
  int64_t* input_tokens = nullptr;
  int64_t* sampled_token_ids = nullptr;  ///< V1 [Q, 1], V2 [N, E]
  int64_t* input_positions = nullptr;
  int64_t* seq_lens = nullptr;
  int64_t* slot_mapping = nullptr;
  int64_t* block_tables = nullptr;  ///< [N, W]; only the entries a step can reach are written
  int64_t* spec_token = nullptr;    ///< V2 [N, S]
  int64_t* accepted_num = nullptr;  ///< V2 [N]

 private:
  int64_t* allocate(int64_t elements);
  std::vector<void*> blocks_;
  std::vector<int64_t> initial_;  ///< the consumed input as generated
};

/// The splitmix64 finaliser of x: the value generator shared with bench/peers.py.
uint64_t mix(uint64_t x);

}  // namespace advstep::bench
