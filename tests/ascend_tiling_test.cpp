// What the Ascend kernels' tiling accepts and refuses under Semantics::kAscend, where it differs
// from CANN's documentation: numQueries on the speculative path, and the optional inputs given to
// the V2 API when it falls back to the V1 path.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "advstep/advance_step.hpp"

namespace advstep::testing {
namespace {

Options ascend() {
  Options options;
  options.semantics = Semantics::kAscend;
  options.ascend_cores = 40;
  return options;
}

// ---- speculative path: numQueries is never read ----------------------------------------------

struct SpeculativeOutputs {
  std::vector<int64_t> tokens, positions, seq_lens, slots;
  bool operator==(const SpeculativeOutputs&) const = default;
};

/// N = 2, S = 1, B = 4, tables [2, 2]: the step with @p num_queries.
SpeculativeOutputs speculative_step(int64_t num_queries, const Options& options) {
  SpeculativeOutputs out{{0, 0, 0, 0}, {3, 4, 1, 2}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  std::vector<int64_t> sampled = {11, -1, 21, 22}, spec = {100, 200}, accepted = {0, 1}, tables = {10, 11, 20, 21};
  advance_step(view(out.tokens.data(), {4}), view(sampled.data(), {2, 2}), view(out.positions.data(), {4}),
               view(out.seq_lens.data(), {4}), view(out.slots.data(), {4}), view(tables.data(), {2, 2}), 2,
               num_queries, 4, SpeculativeInputs{view(spec.data(), {2, 1}), view(accepted.data(), {2})}, options);
  return out;
}

TEST(AscendTiling, SpeculativePathTakesAnyNumQueries) {
  const SpeculativeOutputs expected = speculative_step(2, ascend());
  EXPECT_EQ(expected.tokens, (std::vector<int64_t>{11, 100, 22, 200}));
  EXPECT_EQ(speculative_step(1, ascend()), expected);
  EXPECT_EQ(speculative_step(7, ascend()), expected);
  EXPECT_THROW(speculative_step(0, ascend()), Error);  // at least 1, as on the plain path
  try {
    speculative_step(1, Options{});
    FAIL() << "vLLM semantics took num_queries != num_seqs";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), StatusCode::kOutOfRange) << error.what();
  }
}

}  // namespace
}  // namespace advstep::testing
