// Seeded random inputs for advance_step, valid or with one planted data fault.
//
// Every draw comes from std::mt19937_64 (whose output the standard fixes) through integer-only
// helpers, so a seed names the same case on every platform; failure messages print it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "oracle/reference.hpp"

namespace advstep::oracle {

struct CaseOptions {
  bool speculative = false;  ///< the V2 path
  int64_t spec_num = 0;      ///< S on the V2 path; 0: drawn from {1, 2, 3, 7, 126}
  bool cann = true;          ///< CANN's V1 rule N > Q and int64 indices; else vLLM's N >= Q, int32 allowed
  int64_t min_seqs = 1;
  int64_t max_seqs = 64;
  int64_t max_entries = int64_t{1} << 20;      ///< bound on N * W and on N * E, to keep cases small
  bool huge = false;                           ///< block sizes of 2^20 and more, so positions and slots pass 2^31
  int32_t plant_faults = 0;                    ///< make 1 to this many distinct query rows faulty (0: a valid case)
  std::optional<IndexType> seq_lens_type;      ///< unset: int64 for CANN, drawn for vLLM
  std::optional<IndexType> block_tables_type;  ///< likewise
};

struct RandomCase {
  uint64_t seed = 0;
  StepInputs inputs;
  std::string planted;  ///< what fault was planted where; empty for a valid case

  /// "seed=... N=... Q=... ... planted=..." for failure messages.
  [[nodiscard]] std::string label() const;
};

/// The case that @p seed names under @p options.
RandomCase make_random_case(uint64_t seed, const CaseOptions& options);

}  // namespace advstep::oracle
