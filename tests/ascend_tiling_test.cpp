// What the Ascend kernels' tiling accepts and refuses under Semantics::kAscend, where it differs
// from CANN's documentation: numQueries on the speculative path, and the optional inputs given to
// the V2 API when it falls back to the V1 path.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
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
  advance_step(
      SpeculativeStep{view(out.tokens.data(), {4}), view(sampled.data(), {2, 2}), view(out.positions.data(), {4}),
                      view(out.seq_lens.data(), {4}), view(out.slots.data(), {4}), view(tables.data(), {2, 2}), 2,
                      num_queries, 4, view(spec.data(), {2, 1}), view(accepted.data(), {2})},
      options);
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

// The speculative tiling takes inputTokens 1-D [N*E] and the other per-token tensors of its shape.
TEST(AscendTiling, SpeculativePerTokenTensorsAreOneDimensional) {
  const auto call = [](bool matrix, const Options& options) {
    std::vector<int64_t> tokens(4, 0), positions = {3, 4, 1, 2}, seq_lens(4, 0), slots(4, 0),
                                       sampled = {11, -1, 21, 22}, spec = {100, 200}, accepted = {0, 1},
                                       tables = {10, 11, 20, 21};
    const auto per_token = [matrix](int64_t* data) { return matrix ? view(data, {2, 2}) : view(data, {4}); };
    try {
      advance_step(SpeculativeStep{per_token(tokens.data()), view(sampled.data(), {2, 2}), view(positions.data(), {4}),
                                   per_token(seq_lens.data()), view(slots.data(), {4}), view(tables.data(), {2, 2}), 2,
                                   2, 4, view(spec.data(), {2, 1}), view(accepted.data(), {2})},
                   options);
    } catch (const Error& error) {
      EXPECT_EQ(positions, (std::vector<int64_t>{3, 4, 1, 2}));
      return static_cast<int32_t>(error.code());
    }
    return 0;
  };
  EXPECT_EQ(call(false, ascend()), 0);
  EXPECT_EQ(call(true, ascend()), 561002);
  EXPECT_EQ(call(true, Options{}), 0);  // vLLM's contract takes [N, E] too
}

// ---- V2 taking the V1 path: the optional input given is checked first ------------------------

/// N = 3, Q = 1, B = 2 through the speculative overload with @p speculative; the status code, 0 for
/// none. A refused call leaves every tensor as it was; a run takes the V1 path (slots 20 and -1).
/// The two optional inputs of a speculative call, as given.
struct Drafts {
  TensorView spec_token;
  TensorView accepted_num;
};

int32_t fallback_code(const Drafts& speculative) {
  std::vector<int64_t> tokens(3, 9), positions(3, 9), seq_lens(3, 3), slots(3, 9), sampled = {5},
                                                                                   tables = {10, 11, 20, 21, 30, 31};
  try {
    advance_step(SpeculativeStep{view(tokens.data(), {3}), view(sampled.data(), {1, 1}), view(positions.data(), {3}),
                                 view(seq_lens.data(), {3}), view(slots.data(), {3}), view(tables.data(), {3, 2}), 3, 1,
                                 2, speculative.spec_token, speculative.accepted_num},
                 ascend());
  } catch (const Error& error) {
    EXPECT_EQ(slots, std::vector<int64_t>(3, 9)) << error.what();
    EXPECT_EQ(seq_lens, std::vector<int64_t>(3, 3)) << error.what();
    return static_cast<int32_t>(error.code());
  }
  EXPECT_EQ(slots, (std::vector<int64_t>{11 * 2 + 1, -1, 9}));
  return 0;
}

TEST(AscendTiling, FallbackChecksTheOptionalGiven) {
  std::vector<int64_t> values(8, 0);
  std::vector<int32_t> narrow(8, 0);
  int64_t* data = values.data();
  const TensorView none;
  EXPECT_EQ(fallback_code({view(data, {3, 1}), none}), 0);
  EXPECT_EQ(fallback_code({none, view(data, {3})}), 0);
  EXPECT_EQ(fallback_code({view(data, {3, 0}), view(data, {3})}), 0);       // empty: the V1 path
  EXPECT_EQ(fallback_code({view(data, {4, 1}), none}), 561002);             // dim 0 != N
  EXPECT_EQ(fallback_code({view(data, {3}), none}), 561002);                // 1-D specToken
  EXPECT_EQ(fallback_code({none, view(data, {4})}), 561002);                // dim 0 != N
  EXPECT_EQ(fallback_code({none, view(data, {3, 1})}), 561002);             // 2-D acceptedNum
  EXPECT_EQ(fallback_code({view(data, {3, 0}), view(data, {5})}), 561002);  // the empty one is absent
  EXPECT_EQ(fallback_code({view(data, {3, 1}), view(data, {0})}), 0);       // empty [0]: absent, unchecked
  EXPECT_EQ(fallback_code({view(data, {5, 0}), view(data, {0, 4})}), 0);    // both empty: V1
  EXPECT_EQ(fallback_code({view(narrow.data(), {3, 1}), none}), 161002);    // int32, as the wrapper checks
}

TEST(AscendTiling, FallbackMessageNamesTheShapeExpected) {
  std::vector<int64_t> tokens(3, 9), positions(3, 9), seq_lens(3, 3), slots(3, 9), sampled = {5}, tables(6, 1),
                                                                                   accepted(4, 0);
  try {
    advance_step(SpeculativeStep{view(tokens.data(), {3}), view(sampled.data(), {1, 1}), view(positions.data(), {3}),
                                 view(seq_lens.data(), {3}), view(slots.data(), {3}), view(tables.data(), {3, 2}), 3, 1,
                                 2, TensorView{}, view(accepted.data(), {4})},
                 ascend());
    FAIL() << "no error";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("accepted_num must be [N] with N = num_seqs"), std::string::npos) << message;
    EXPECT_NE(message.find("expected [3], got [4]"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace advstep::testing
