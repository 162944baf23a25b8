// The seeded sweeps the API tests run, named, so a coverage test can check what they reach.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "oracle/random_cases.hpp"

namespace advstep::oracle {

struct Sweep {
  std::string name;  ///< a GoogleTest-safe name: letters, digits, underscores
  uint64_t first_seed = 0;
  int32_t count = 0;
  CaseOptions options;
};

/// Many small cases, a few medium and wide-table ones, two with 10^5 sequences, huge block sizes,
/// then planted faults, normal and huge. @p speculative: V2 with S drawn; @p cann: CANN's rules
/// and int64 indices, else vLLM's with int32 and int64 indices.
std::vector<Sweep> sweeps(bool speculative, bool cann);

/// Prints the sweep's name, so parameterised test names and failures read well.
std::ostream& operator<<(std::ostream& out, const Sweep& sweep);

}  // namespace advstep::oracle
