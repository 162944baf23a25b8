// Seeded random inputs for the Ascend semantics: what its goldens draw (small non-negative values)
// and what only the kernels' quirks reach (int32 wrap-around, negative lengths that still read row
// 0, values below -1 and float ties in sampled rows, acceptedNum above S, few cores).
#pragma once

#include <cstdint>
#include <string>

#include "oracle/reference.hpp"

namespace advstep::oracle {

struct AscendCase {
  uint64_t seed = 0;
  StepInputs inputs;
  int64_t cores = 40;  ///< the vector-core count the case is run for

  /// "seed=... cores=... N=..." for failure messages.
  [[nodiscard]] std::string label() const;
};

/// The case @p seed names: V2 when @p speculative, values reaching the int32 and int64 edges when
/// @p wild, the row bound drawn when @p row_bound_drawn (else the table bound).
AscendCase make_ascend_case(uint64_t seed, bool speculative, bool wild, bool row_bound_drawn);

}  // namespace advstep::oracle
