#include "scenario.hpp"

#include <cstdlib>

namespace advstep::fuzz {
namespace {

/// A value for an int64 tensor or attribute: mostly small, sometimes at or near a limit.
int64_t pick_value(FuzzedDataProvider& in, int64_t small_limit) {
  switch (in.ConsumeIntegralInRange<int>(0, 9)) {
    case 0: return kMax - in.ConsumeIntegralInRange<int64_t>(0, 3);
    case 1: return kMin + in.ConsumeIntegralInRange<int64_t>(0, 3);
    case 2: return -in.ConsumeIntegralInRange<int64_t>(1, 3);
    case 3: return in.ConsumeIntegral<int64_t>();
    case 4: return int64_t{1} << in.ConsumeIntegralInRange<int>(20, 62);
    default: return in.ConsumeIntegralInRange<int64_t>(0, small_limit);
  }
}

/// A dim: the right one, usually; sometimes off by one, zero, negative or huge.
int64_t spoil_dim(FuzzedDataProvider& in, int64_t dim) {
  if (in.ConsumeIntegralInRange<int>(0, 15) != 0) return dim;
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: return dim + 1;
    case 1: return dim - 1;
    case 2: return 0;
    case 3: return -dim;
    default: return (int64_t{1} << 62) + in.ConsumeIntegralInRange<int64_t>(-1, 1);
  }
}

}  // namespace

Streams::Streams() {
  if (aclInit(nullptr) != ACL_SUCCESS || aclrtSetDevice(0) != ACL_SUCCESS) finding("runtime start");
  unsetenv("ADVSTEP_STREAM_MODE");
  if (aclrtCreateStream(&eager) != ACL_SUCCESS) finding("eager stream");
  setenv("ADVSTEP_STREAM_MODE", "deferred", 1);
  if (aclrtCreateStream(&deferred) != ACL_SUCCESS) finding("deferred stream");
  unsetenv("ADVSTEP_STREAM_MODE");
}

Scenario make_scenario(FuzzedDataProvider& in, const Streams& streams) {
  Scenario s;
  s.v2 = in.ConsumeBool();
  s.v2_form = s.v2 ? (in.ConsumeIntegralInRange<int>(0, 7) < 5 ? 0 : in.ConsumeIntegralInRange<int>(1, 3)) : 1;
  const int stream = in.ConsumeIntegralInRange<int>(0, 2);
  s.stream = stream == 0 ? streams.eager : stream == 1 ? streams.deferred : nullptr;
  const bool speculative = s.v2 && s.v2_form == 0;
  s.num_seqs = in.ConsumeIntegralInRange<int64_t>(1, 40);
  s.num_queries = speculative ? s.num_seqs : in.ConsumeIntegralInRange<int64_t>(1, s.num_seqs);
  if (!speculative && s.num_queries == s.num_seqs && s.num_seqs > 1 && in.ConsumeBool()) --s.num_queries;
  s.width = in.ConsumeIntegralInRange<int64_t>(1, 6);
  s.spec_num = speculative ? in.ConsumeIntegralInRange<int64_t>(1, 4) : 0;
  s.block_size = in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(1, 64) : pick_value(in, 1 << 20);
  const int64_t cells = s.num_seqs * (s.spec_num + 1);
  const int64_t sampled_rows = speculative ? s.num_seqs : s.num_queries;
  const int64_t sampled_cols = speculative ? s.spec_num + 1 : 1;
  const std::array<std::vector<int64_t>, kRoles> shapes = {
      std::vector<int64_t>{cells}, {sampled_rows, sampled_cols}, {cells}, {cells}, {cells}, {s.num_seqs, s.width},
      {s.num_seqs, s.spec_num}, {s.num_seqs}};
  const std::array<int64_t, kRoles> small = {1 << 20, 1 << 20, 4096, 4096, 1 << 20, 1 << 16, 1 << 20, 4};
  for (size_t r = 0; r < kRoles; ++r) {
    TensorPlan& t = s.tensors[r];
    const bool optional = r >= kSpec;
    if (optional && !speculative) {
      t.absent = s.v2_form != 2;
      if (s.v2_form == 2) t.dims = {0};
      if (s.v2_form == 3 && r == kSpec) {  // exactly one optional given: 161001
        t.absent = false;
        t.dims = {s.num_seqs, 1};
        t.values.assign(static_cast<size_t>(s.num_seqs), 0);
      }
      continue;
    }
    t.dims = shapes[r];
    if (r != kSampled && r != kTables && r != kSpec && speculative && in.ConsumeBool() && r != kAccepted) {
      t.dims = {s.num_seqs, s.spec_num + 1};  // [N, E] instead of [N*E]
    } else if ((r == kTokens || r == kPositions || r == kSeqLens || r == kSlots) && !speculative && in.ConsumeBool()) {
      t.dims = {s.num_seqs, 1};
    }
    int64_t numel = 1;
    for (int64_t d : t.dims) numel *= d;
    for (int64_t k = 0; k < numel; ++k) t.values.push_back(pick_value(in, small[r]));
    for (int64_t& d : t.dims) d = spoil_dim(in, d);
    const int layout = in.ConsumeIntegralInRange<int>(0, 15);
    if (layout == 0) {
      t.strides.assign(t.dims.size(), 1);  // contiguous only when the trailing dims are 1
    } else if (layout == 1) {
      t.strides.assign(t.dims.size(), 0);
      int64_t stride = 1;
      for (size_t d = t.dims.size(); d-- > 0;) {
        t.strides[d] = stride;
        stride *= t.dims[d] > 0 && t.dims[d] < (1 << 20) ? t.dims[d] : 1;
      }
    } else if (layout == 2) {
      t.strides.assign(t.dims.size(), pick_value(in, 64));
    }
    const int offset = in.ConsumeIntegralInRange<int>(0, 15);
    t.offset = offset == 0 ? pick_value(in, 2) : offset == 1 ? -1 : 0;
    if (in.ConsumeIntegralInRange<int>(0, 31) == 0) {
      t.type = in.ConsumeBool() ? ACL_INT32 : static_cast<aclDataType>(in.ConsumeIntegralInRange<int>(0, 30));
    }
    const int memory = in.ConsumeIntegralInRange<int>(0, 63);
    t.memory = memory == 0   ? Memory::kHost
               : memory == 1 ? Memory::kFreed
               : memory == 2 ? Memory::kPastEnd
               : memory == 3 ? Memory::kOther
               : memory == 4 ? Memory::kNull
                             : Memory::kOwn;
    t.other = in.ConsumeIntegralInRange<size_t>(0, kTables);
    t.absent = in.ConsumeIntegralInRange<int>(0, 63) == 0;
  }
  s.executor_use = in.ConsumeIntegralInRange<int>(0, 4);
  s.runs = in.ConsumeIntegralInRange<int>(1, 3);
  s.freed_role = in.ConsumeIntegralInRange<size_t>(0, speculative ? kAccepted : kTables);
  s.null_workspace_size = in.ConsumeIntegralInRange<int>(0, 63) == 0;
  s.null_executor = in.ConsumeIntegralInRange<int>(0, 63) == 0;
  return s;
}

}  // namespace advstep::fuzz
