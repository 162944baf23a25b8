// The fuzzer's scenario: what one input's bytes choose (operator, stream, attributes, and each
// tensor's dtype, shape, strides, offset and memory, then what happens to the executor), apart from
// the harness that carries it out and checks the invariants (c_api_fuzzer.cpp).
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

#include "acl/acl.h"

namespace advstep::fuzz {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

enum Role : size_t { kTokens, kSampled, kPositions, kSeqLens, kSlots, kTables, kSpec, kAccepted, kRoles };

[[noreturn]] inline void finding(const char* what, const char* detail = "") {
  std::fprintf(stderr, "invariant broken: %s %s\n", what, detail);
  std::abort();
}

inline void expect(bool condition, const char* what, const char* detail = "") {
  if (!condition) finding(what, detail);
}

/// The streams every input may use, made once: eager, deferred, and the default (null) one.
struct Streams {
  aclrtStream eager = nullptr;
  aclrtStream deferred = nullptr;
  Streams();
};

/// Where a tensor's data pointer goes.
enum class Memory : int32_t { kOwn, kHost, kFreed, kPastEnd, kOther, kNull };

struct TensorPlan {
  std::vector<int64_t> values;  ///< what its own block starts with
  std::vector<int64_t> dims;
  std::vector<int64_t> strides;  ///< empty: row-major (strides NULL)
  int64_t offset = 0;
  aclDataType type = ACL_INT64;
  Memory memory = Memory::kOwn;
  size_t other = 0;  ///< kOther: the role whose block it points into
  bool absent = false;
};

/// One input's whole scenario.
struct Scenario {
  bool v2 = false;
  int32_t v2_form = 0;  ///< 0: speculative, 1: optionals null, 2: optionals empty, 3: one missing
  aclrtStream stream = nullptr;
  int64_t num_seqs = 1, num_queries = 1, block_size = 1, width = 1, spec_num = 0;
  std::array<TensorPlan, kRoles> tensors;
  int32_t executor_use = 0;  ///< 0: run; 1: run twice; 2: repeatable, run k times; 3: destroy unrun; 4: free a block first
  int32_t runs = 1;
  size_t freed_role = kSlots;
  bool null_workspace_size = false;
  bool null_executor = false;
};

/// Reads one scenario from the input's bytes.
Scenario make_scenario(FuzzedDataProvider& in, const Streams& streams);

}  // namespace advstep::fuzz
