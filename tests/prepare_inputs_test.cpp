// advstep::prepare_inputs (prepare_step.md section 3.1): the spec's worked examples that use it,
// value for value (Ex 1, Ex 2's prepare step, Ex 4 DCP), a two-group case, every data fault class
// that applies (F1-F6, F5 under both bounds) with nothing written, and the argument classes with
// their status codes. Seeded random cases against the independent oracle are in
// python/tests/test_prepare_inputs.py (the oracle is Python).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "support/host_values.hpp"

namespace advstep::testing {
namespace {

/// Spec Ex 1: CUDA-graph padding (R = 3, graph size 4, M = 8, B = 4, W = 3).
struct Example1 {
  HostValues idx{{4, 0, 2}}, qsl{{0, 1, 2, 3, 3, 3, 3}}, cu{{0, 1, 2, 3}}, nc{{9, 0, 3, 0, 6, 0}};
  HostValues last{{101, 0, 102, 0, 104, 0}};
  HostValues table{{10, 11, 12, 0, 0, 0, 5, 6, 0, 0, 0, 0, 20, 21, 0, 0, 0, 0}};
  HostValues positions{Values(8, 7)}, seq_lens{Values(6, 5)}, slots{Values(8, 7)}, input_ids{Values(8, 7)};
  HostValues logits{Values(3, 7)};

  PrepareInputsStep step() {
    PrepareInputsStep s;
    s.idx_mapping = idx.vec();
    s.query_start_loc = qsl.vec();
    s.num_computed_tokens = nc.vec();
    s.block_tables = {table.mat(6)};
    s.block_size = {4};
    s.positions = positions.vec();
    s.seq_lens = seq_lens.vec();
    s.slot_mapping = slots.vec();
    s.input_ids = input_ids.vec();
    s.last_sampled_tokens = last.vec();
    s.cu_num_logits = cu.vec();
    s.logits_indices = logits.vec();
    return s;
  }
  [[nodiscard]] std::vector<Values> outputs() const {
    return {positions.values(), seq_lens.values(), slots.values(), input_ids.values(), logits.values()};
  }
};

TEST(PrepareInputs, Example1CudaGraphPadding) {
  Example1 e;
  prepare_inputs(e.step());
  EXPECT_EQ(e.positions.values(), (Values{6, 9, 3, 7, 7, 7, 7, 7}));
  EXPECT_EQ(e.seq_lens.values(), (Values{7, 10, 4, 0, 0, 0}));
  EXPECT_EQ(e.input_ids.values(), (Values{104, 101, 102, 7, 7, 7, 7, 7}));
  EXPECT_EQ(e.slots.values(), (Values{86, 49, 23, -1, -1, -1, -1, -1}));
  EXPECT_EQ(e.logits.values(), (Values{0, 1, 2}));
}

TEST(PrepareInputs, Example1WithAdvanceStepV1Tails) {
  Example1 e;
  PrepareInputsStep s = e.step();
  s.seq_lens_tail = SeqLensTail::kKeep;
  s.token_tail = TokenTail::kZero;
  prepare_inputs(s);
  EXPECT_EQ(e.positions.values(), (Values{6, 9, 3, 0, 0, 0, 0, 0}));
  EXPECT_EQ(e.input_ids.values(), (Values{104, 101, 102, 0, 0, 0, 0, 0}));
  EXPECT_EQ(e.seq_lens.values(), (Values{7, 10, 4, 5, 5, 5}));
}

TEST(PrepareInputs, Example2RaggedBatchWithDrafts) {
  const int64_t p = 55;  // a prompt token, left as it is
  for (const bool narrow : {false, true}) {
    HostValues idx{{1, 3, 0}, narrow}, qsl{{0, 5, 8, 10}, narrow}, cu{{0, 1, 4, 6}, narrow};
    HostValues nc{{12, 4, 0, 7}, narrow}, prefill{{2, 10, 0, 5}, narrow}, last{{200, 0, 0, 300}};
    HostValues drafts{{201, 0, 0, 0, 0, 0, 301, 302}};
    HostValues table{{1, 5, 6, 8, 2, 3, 4, 0, 0, 0, 0, 0, 7, 9, 11, 0}, narrow};
    HostValues positions{Values(12, -9)}, seq_lens{Values(4, -9), narrow}, slots{Values(12, -9), narrow};
    HostValues input_ids{{p, p, p, p, p, -9, -9, -9, -9, -9, -9, -9}, narrow}, logits{Values(6, -9), narrow};
    PrepareInputsStep s;
    s.idx_mapping = idx.vec();
    s.query_start_loc = qsl.vec();
    s.num_computed_tokens = nc.vec();
    s.block_tables = {table.mat(4)};
    s.block_size = {4};
    s.positions = positions.vec();
    s.seq_lens = seq_lens.vec();
    s.slot_mapping = slots.mat(1);  // [1, M]: one group
    s.input_ids = input_ids.vec();
    s.last_sampled_tokens = last.mat(4);  // [Rmax, 1]
    s.draft_tokens = drafts.mat(4);
    s.prefill_len = prefill.vec();
    s.cu_num_logits = cu.vec();
    s.logits_indices = logits.vec();
    prepare_inputs(s);
    EXPECT_EQ(positions.values(), (Values{4, 5, 6, 7, 8, 7, 8, 9, 12, 13, -9, -9}));
    EXPECT_EQ(seq_lens.values(), (Values{9, 10, 14, 0}));
    EXPECT_EQ(input_ids.values(), (Values{p, p, p, p, p, 300, 301, 302, 200, 201, -9, -9}));
    EXPECT_EQ(slots.values(), (Values{12, 13, 14, 15, 16, 39, 44, 45, 32, 33, -1, -1}));
    EXPECT_EQ(logits.values(), (Values{4, 5, 6, 7, 8, 9}));
  }
}

TEST(PrepareInputs, Example4DecodeContextParallel) {
  struct Case {
    int64_t interleave;
    Values slots;
    int64_t local;
  };
  for (const Case& c : {Case{1, {-1, 20, -1, 21, -1, 22}, 3}, Case{2, {-1, -1, 20, 21, -1, -1}, 2}}) {
    HostValues idx{{0}}, qsl{{0, 6}}, nc{{0}}, table{{10, 11}};
    HostValues positions{Values(6, 0)}, seq_lens{Values(1, 0)}, slots{Values(6, 0)}, dcp{Values(1, 0)};
    PrepareInputsStep s;
    s.idx_mapping = idx.vec();
    s.query_start_loc = qsl.vec();
    s.num_computed_tokens = nc.vec();
    s.block_tables = {table.mat(1)};
    s.block_size = {2};
    s.positions = positions.vec();
    s.seq_lens = seq_lens.vec();
    s.slot_mapping = slots.vec();
    s.dcp_local_seq_lens = dcp.vec();
    s.cp_size = 2;
    s.cp_rank = 1;
    s.cp_interleave = c.interleave;
    prepare_inputs(s);
    EXPECT_EQ(slots.values(), c.slots) << "I = " << c.interleave;
    EXPECT_EQ(dcp.values(), Values{c.local}) << "I = " << c.interleave;
    EXPECT_EQ(positions.values(), (Values{0, 1, 2, 3, 4, 5}));
  }
}

TEST(PrepareInputs, TwoGroupsFillSlotMappingRowByGroup) {
  HostValues idx{{1}}, qsl{{0, 2, 2}}, nc{{0, 5}};
  HostValues t0{{0, 0, 0, 0, 3, 4, 5, 6}, true}, t1{{0, 0, 9, 8}};  // [2, 4] with B = 2 (int32); [2, 2] with B = 4
  HostValues positions{Values(3, 0)}, seq_lens{Values(1, 0)}, slots{Values(6, 0)}, token_seq_lens{Values(3, 0)};
  PrepareInputsStep s;
  s.idx_mapping = idx.vec();
  s.query_start_loc = qsl.vec();
  s.num_computed_tokens = nc.vec();
  s.block_tables = {t0.mat(2), t1.mat(2)};
  s.block_size = {2, 4};
  s.positions = positions.vec();
  s.seq_lens = seq_lens.vec();
  s.slot_mapping = slots.mat(2);
  s.token_seq_lens = token_seq_lens.vec();
  prepare_inputs(s);
  EXPECT_EQ(positions.values(), (Values{5, 6, 0}));
  EXPECT_EQ(seq_lens.values(), (Values{7}));
  EXPECT_EQ(token_seq_lens.values(), (Values{6, 7, 0}));
  EXPECT_EQ(slots.values(), (Values{11, 12, -1, 33, 34, -1}));
}

/// Runs @p step and expects an Error with @p code whose message holds @p text, every output unchanged.
void expect_refused(Example1& e, const PrepareInputsStep& step, StatusCode code, const std::string& text) {
  const std::vector<Values> before = e.outputs();
  try {
    prepare_inputs(step);
    ADD_FAILURE() << "no error; expected " << text;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), code) << error.what();
    EXPECT_NE(std::string(error.what()).find(text), std::string::npos) << error.what();
  }
  EXPECT_EQ(e.outputs(), before) << text;
}

struct FaultCase {
  const char* name;
  std::function<void(Example1&, PrepareInputsStep&)> plant;
  const char* text;
};

TEST(PrepareInputs, EveryDataFaultClassWritesNothing) {
  const std::vector<FaultCase> cases = {
      {"row index past Rmax", [](Example1& e, PrepareInputsStep&) { e.idx.wide[2] = 6; }, "F1 at b = 2, r = 6"},
      {"negative row index", [](Example1& e, PrepareInputsStep&) { e.idx.wide[0] = -1; }, "F1 at b = 0"},
      {"qsl[0] not 0", [](Example1& e, PrepareInputsStep&) { e.qsl.wide[0] = 1; }, "F2"},
      {"decreasing qsl", [](Example1& e, PrepareInputsStep&) { e.qsl.wide[2] = 0; }, "F2 at b = 1"},
      {"qsl[R] past M", [](Example1& e, PrepareInputsStep&) { e.qsl.wide[3] = 9; }, "exceeds M = 8"},
      {"negative nc", [](Example1& e, PrepareInputsStep&) { e.nc.wide[2] = -1; }, "F3 at b = 2, r = 2"},
      {"cu[0] not 0", [](Example1& e, PrepareInputsStep&) { e.cu.wide[0] = 1; }, "F4"},
      {"more logits than tokens", [](Example1& e, PrepareInputsStep&) { e.cu.wide = {0, 2, 2, 3}; },
       "F4 at b = 0"},
      {"cu[R] past logits_indices", [](Example1& e, PrepareInputsStep&) { e.cu.wide[3] = 4; },
       "exceeds logits_indices"},
      {"drafts without draft_tokens", [](Example1& e, PrepareInputsStep& s) {
         e.cu.wide = {0, 1, 2, 3};
         e.qsl.wide = {0, 1, 2, 4, 4, 4, 4};
         e.cu.wide[3] = 4;
         e.logits.wide.push_back(7);
         s.logits_indices = e.logits.vec();
       }, "more drafts than draft_tokens' width S = 0"},
      {"block index past the row", [](Example1& e, PrepareInputsStep&) { e.nc.wide[4] = 12; },
       "F5 at b = 0, r = 4, t = 0: group 0: block index 3"},
      {"block index past the table", [](Example1& e, PrepareInputsStep& s) {
         e.nc.wide[4] = 24;
         s.bound = BlockBound::kTable;
       }, "the table's 18 entries"},
      {"negative block id", [](Example1& e, PrepareInputsStep&) { e.table.wide[13] = -1; }, "block id -1"},
      {"slot past int32", [](Example1& e, PrepareInputsStep& s) {
         e.table.wide[13] = int64_t{1} << 29;  // 2^29 * 4 + 2 >= 2^31
         e.slots = HostValues(Values(8, 7), true);
         s.slot_mapping = e.slots.vec();
       }, "F6 at b = 0, r = 4, t = 0: slot_mapping[0] = 2147483650 does not fit int32"},
      {"token past int32", [](Example1& e, PrepareInputsStep& s) {
         e.last.wide[0] = int64_t{1} << 40;
         e.input_ids = HostValues(Values(8, 7), true);
         s.input_ids = e.input_ids.vec();
       }, "F6 at b = 1, r = 0, t = 1: input_ids[1]"},
      {"seq_lens past int64", [](Example1& e, PrepareInputsStep&) { e.nc.wide[4] = INT64_MAX; },
       "seq_lens[0] = 9223372036854775808 does not fit int64"},
  };
  for (const FaultCase& c : cases) {
    Example1 e;
    PrepareInputsStep s = e.step();
    c.plant(e, s);
    SCOPED_TRACE(c.name);
    expect_refused(e, s, StatusCode::kDataFault, c.text);
  }
}

TEST(PrepareInputs, ArgumentErrorsByClass) {
  double floats[8] = {};
  std::vector<int64_t> strided(16, 7);
  const std::vector<FaultCase> cases = {
      {"missing positions", [](Example1&, PrepareInputsStep& s) { s.positions = TensorView{}; },
       "positions is required"},
      {"no table", [](Example1&, PrepareInputsStep& s) { s.block_tables.clear(); }, "at least one table"},
      {"cu missing with logits_indices", [](Example1&, PrepareInputsStep& s) { s.cu_num_logits = TensorView{}; },
       "cu_num_logits is required when logits_indices is given"},
      {"last_sampled_tokens missing with input_ids",
       [](Example1&, PrepareInputsStep& s) { s.last_sampled_tokens = TensorView{}; }, "last_sampled_tokens is required"},
  };
  for (const FaultCase& c : cases) {
    Example1 e;
    PrepareInputsStep s = e.step();
    c.plant(e, s);
    SCOPED_TRACE(c.name);
    expect_refused(e, s, StatusCode::kNullPointer, c.text);
  }
  const std::vector<FaultCase> invalid = {
      {"float dtype", [&](Example1&, PrepareInputsStep& s) {
         s.positions.data = floats;
         s.positions.dtype = DType::kFloat64;
       }, "positions has an unsupported dtype"},
      {"overlapping outputs", [](Example1& e, PrepareInputsStep& s) { s.slot_mapping = view(e.positions.wide.data(), {8}); },
       "positions overlaps slot_mapping"},
      {"output overlapping an input", [](Example1& e, PrepareInputsStep& s) { s.logits_indices = view(e.nc.wide.data(), {3}); },
       "overlaps logits_indices"},
      {"strided output", [&](Example1&, PrepareInputsStep& s) {
         s.positions = view(strided.data(), {8});
         s.positions.strides[0] = 2;
       }, "positions must be contiguous"},
      {"tensors on two devices", [](Example1&, PrepareInputsStep& s) { s.seq_lens.device = Device::kCuda; }, "seq_lens is on another device"},
  };
  for (const FaultCase& c : invalid) {
    Example1 e;
    PrepareInputsStep s = e.step();
    c.plant(e, s);
    SCOPED_TRACE(c.name);
    expect_refused(e, s, StatusCode::kInvalidArgument, c.text);
  }
  const std::vector<FaultCase> out_of_range = {
      {"seq_lens shorter than R", [](Example1& e, PrepareInputsStep& s) { s.seq_lens = view(e.seq_lens.wide.data(), {2}); },
       "seq_lens must be 1-D with at least R = 3"},
      {"qsl shorter than R + 1", [](Example1& e, PrepareInputsStep& s) { s.query_start_loc = view(e.qsl.wide.data(), {3}); },
       "query_start_loc must be"},
      {"slot_mapping of two groups", [](Example1& e, PrepareInputsStep& s) { s.slot_mapping = view(e.slots.wide.data(), {2, 4}); },
       "slot_mapping must be"},
      {"1-D table", [](Example1& e, PrepareInputsStep& s) { s.block_tables = {e.table.vec()}; }, "block_tables[0] must be"},
      {"block_size 0", [](Example1&, PrepareInputsStep& s) { s.block_size = {0}; }, "block_size[0] must be >= 1"},
      {"two sizes, one table", [](Example1&, PrepareInputsStep& s) { s.block_size = {4, 4}; }, "one size per table"},
      {"num_bonus 2", [](Example1&, PrepareInputsStep& s) { s.num_bonus = 2; }, "num_bonus must be 0 or 1"},
      {"cp_rank = cp_size", [](Example1&, PrepareInputsStep& s) { s.cp_rank = 1; }, "cp_rank must be"},
      {"interleave not dividing B", [](Example1&, PrepareInputsStep& s) {
         s.cp_size = 2;
         s.cp_interleave = 3;
       }, "cp_interleave must be a divisor of block_size 4"},
  };
  for (const FaultCase& c : out_of_range) {
    Example1 e;
    PrepareInputsStep s = e.step();
    c.plant(e, s);
    SCOPED_TRACE(c.name);
    expect_refused(e, s, StatusCode::kOutOfRange, c.text);
  }
}

TEST(PrepareInputs, StridedInputViewsAreRead) {
  // draft_tokens[:, 1:] style view and a column last_sampled_tokens: inputs may be views (spec 10.3).
  Example1 e;
  HostValues wide_nc{{9, -5, 0, -5, 3, -5, 0, -5, 6, -5, 0, -5}};
  PrepareInputsStep s = e.step();
  s.num_computed_tokens = view(wide_nc.wide.data(), {6});
  s.num_computed_tokens.strides[0] = 2;
  prepare_inputs(s);
  EXPECT_EQ(e.positions.values(), (Values{6, 9, 3, 7, 7, 7, 7, 7}));
  EXPECT_EQ(e.slots.values(), (Values{86, 49, 23, -1, -1, -1, -1, -1}));
}

}  // namespace
}  // namespace advstep::testing
