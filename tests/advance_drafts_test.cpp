// advstep::advance_drafts (prepare_step.md section 3.2): the spec's Ex 3 (both EAGLE steps, and
// on_cap=pad) and Ex 5's V2 value for value, every data fault class that applies (F1-F7) with nothing
// written, and the argument classes with their status codes. Seeded random cases against the
// independent oracle are in python/tests/test_advance_drafts.py (the oracle is Python).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "advstep/prepare_step.hpp"
#include "support/host_values.hpp"

namespace advstep::testing {
namespace {

/// Spec Ex 3: EAGLE reaching max_model_len (MML = 12, B = 4, W = 3, M = 6), its first draft step.
struct Example3 {
  HostValues idx{{2, 0}}, qsl{{9, 9, 9, 9, 9}}, target_seq_lens{{12, 9}}, rejected{{0, 1}}, pos_in{{11, 7}};
  HostValues tokens{{500, 600}};
  HostValues table{{6, 7, 8, 0, 0, 0, 3, 4, 5}};
  HostValues positions{Values(6, 7)}, seq_lens{Values(4, 7), true}, slots{Values(6, 7)}, input_ids{Values(6, 7), true};
  HostValues positions32{Values(6, 7), true};  // an int32 positions, for the F6 cases

  AdvanceDraftsStep step() {
    AdvanceDraftsStep s;
    s.idx_mapping = idx.vec();
    s.query_start_loc = qsl.vec();
    s.positions = positions.vec();
    s.input_ids = input_ids.vec();
    s.slot_mapping = slots.vec();
    s.block_tables = {table.mat(3)};
    s.block_size = {4};
    s.delta = 1;
    s.tokens = tokens.vec();
    s.pos_in = pos_in.vec();
    s.seq_lens = seq_lens.vec();
    s.seq_base = target_seq_lens.vec();
    s.seq_sub = rejected.vec();
    s.pos_cap = 11;
    s.seq_cap = 12;
    s.rewrite_query_start_loc = true;
    s.seq_lens_tail = SeqLensTail::kZero;
    return s;
  }
  [[nodiscard]] std::vector<Values> outputs() const {
    return {qsl.values(),   positions.values(), seq_lens.values(),
            slots.values(), input_ids.values(), positions32.values()};
  }
};

TEST(AdvanceDrafts, Example3FirstAndSecondEagleStep) {
  Example3 e;
  advance_drafts(e.step());
  EXPECT_EQ(e.qsl.values(), (Values{0, 1, 2, 2, 2}));
  EXPECT_EQ(e.positions.values(), (Values{11, 8, 7, 7, 7, 7}));
  EXPECT_EQ(e.seq_lens.values(), (Values{12, 9, 0, 0}));
  EXPECT_EQ(e.input_ids.values(), (Values{500, 600, 7, 7, 7, 7}));
  EXPECT_EQ(e.slots.values(), (Values{23, 32, -1, -1, -1, -1}));

  // Step 2: the in-place pairs (positions and seq_lens as read at entry), that step's tokens, no rewrite.
  HostValues next{{501, 601}};
  AdvanceDraftsStep s = e.step();
  s.tokens = next.vec();
  s.pos_in = TensorView{};
  s.seq_base = TensorView{};
  s.seq_sub = TensorView{};
  s.rewrite_query_start_loc = false;
  s.seq_lens_tail = SeqLensTail::kKeep;
  advance_drafts_async(s);  // on the host, the synchronous form
  EXPECT_EQ(e.positions.values(), (Values{11, 9, 7, 7, 7, 7}));
  EXPECT_EQ(e.seq_lens.values(), (Values{12, 10, 0, 0}));
  EXPECT_EQ(e.input_ids.values(), (Values{501, 601, 7, 7, 7, 7}));
  EXPECT_EQ(e.slots.values(), (Values{23, 33, -1, -1, -1, -1}));
}

TEST(AdvanceDrafts, Example3WithPadding) {
  Example3 e;
  AdvanceDraftsStep s = e.step();
  s.on_cap = OnCap::kPad;
  advance_drafts(s);
  EXPECT_EQ(e.positions.values(), (Values{0, 8, 7, 7, 7, 7}));
  EXPECT_EQ(e.seq_lens.values(), (Values{1, 9, 0, 0}));
  EXPECT_EQ(e.slots.values(), (Values{-1, 32, -1, -1, -1, -1}));
  EXPECT_EQ(e.input_ids.values(), (Values{500, 600, 7, 7, 7, 7}));
}

TEST(AdvanceDrafts, Example3PerRowDeltaAndTwoGroups) {
  Example3 e;
  HostValues delta{{0, 2}};
  HostValues second{{1, 1, 1, 0, 0, 0, 2, 2, 2}, true};
  HostValues slots2{Values(12, 7)};
  AdvanceDraftsStep s = e.step();
  s.delta_per_row = delta.vec();
  s.delta = 99;  // ignored with a per-row delta
  s.block_tables.push_back(second.mat(3));
  s.block_size = {4, 8};
  s.slot_mapping = view(slots2.wide.data(), {2, 6});
  advance_drafts(s);
  // Row 0: 11 + 0 = 11, seq 12; row 1: 7 + 2 = 9, seq 8 + 2 = 10.
  EXPECT_EQ(e.positions.values(), (Values{11, 9, 7, 7, 7, 7}));
  EXPECT_EQ(e.seq_lens.values(), (Values{12, 10, 0, 0}));
  EXPECT_EQ(slots2.values(), (Values{23, 33, -1, -1, -1, -1, 19, 9, -1, -1, -1, -1}));
}

/// Spec Ex 5's V2 through advance_drafts (section 5): qsl [0, E, 2E], delta = acceptedNum + 1, lastToken.
TEST(AdvanceDrafts, Example5AdvanceStepV2) {
  HostValues idx{{0, 1}}, qsl{{0, 2, 4}}, table{{1, 2, 3, 4}}, positions{{5, 6, 2, 3}}, delta{{1, 2}};
  HostValues sampled{{7, -1, 8, 9}}, spec{{70, 90}};
  HostValues input_ids{Values(4, 0)}, seq_lens{Values(4, 0), true}, slots{Values(4, 0), true};
  AdvanceDraftsStep s;
  s.idx_mapping = idx.vec();
  s.query_start_loc = qsl.vec();
  s.positions = positions.vec();
  s.input_ids = input_ids.vec();
  s.slot_mapping = slots.vec();
  s.block_tables = {table.mat(2)};
  s.block_size = {4};
  s.delta_per_row = delta.vec();
  s.sampled_token_ids = sampled.mat(2);
  s.draft_tokens = spec.mat(2);
  s.token_seq_lens = seq_lens.vec();
  s.bound = BlockBound::kTable;
  advance_drafts(s);
  EXPECT_EQ(input_ids.values(), (Values{7, 70, 9, 90}));
  EXPECT_EQ(positions.values(), (Values{6, 7, 4, 5}));
  EXPECT_EQ(seq_lens.values(), (Values{7, 8, 5, 6}));
  EXPECT_EQ(slots.values(), (Values{10, 11, 16, 17}));
}

/// Runs @p step and expects an Error with @p code whose message holds @p text, every output unchanged.
void expect_refused(Example3& e, const AdvanceDraftsStep& step, StatusCode code, const std::string& text) {
  const std::vector<Values> before = e.outputs();
  try {
    advance_drafts(step);
    ADD_FAILURE() << "no error; expected " << text;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), code) << error.what();
    EXPECT_NE(std::string(error.what()).find(text), std::string::npos) << error.what();
  }
  EXPECT_EQ(e.outputs(), before) << text;
}

/// Makes @p s take query_start_loc as @p qsl gives it (no rewrite, and so no pos_in), for the cases
/// that plant faults in the rows' own layout. The values are written in place: the step's view
/// reads e.qsl's storage.
void keep_query_start_loc(Example3& e, AdvanceDraftsStep& s, const Values& qsl) {
  ASSERT_EQ(qsl.size(), e.qsl.wide.size());
  s.rewrite_query_start_loc = false;
  for (size_t i = 0; i < qsl.size(); ++i) e.qsl.set(i, qsl[i]);
  s.pos_in = TensorView{};
}

struct Case {
  const char* name;
  std::function<void(Example3&, AdvanceDraftsStep&)> plant;
  const char* text;
};

void expect_all_refused(const std::vector<Case>& cases, StatusCode code) {
  for (const Case& c : cases) {
    Example3 e;
    AdvanceDraftsStep s = e.step();
    c.plant(e, s);
    SCOPED_TRACE(c.name);
    expect_refused(e, s, code, c.text);
  }
}

TEST(AdvanceDrafts, EveryDataFaultClassWritesNothing) {
  expect_all_refused(
      {
          {"row index past Rmax", [](Example3& e, AdvanceDraftsStep&) { e.idx.wide[1] = 3; },
           "advance_drafts: data fault F1 at b = 1, r = 3"},
          {"qsl[R] past M",
           [](Example3& e, AdvanceDraftsStep& s) { keep_query_start_loc(e, s, {0, 1, 7, 7, 7}); },
           "F2 at b = 2: query_start_loc[R = 2] = 7 exceeds M = 6"},
          {"decreasing qsl",
           [](Example3& e, AdvanceDraftsStep& s) { keep_query_start_loc(e, s, {0, 2, 1, 1, 1}); },
           "F2 at b = 1"},
          {"more rows than tokens, rewritten",
           [](Example3& e, AdvanceDraftsStep& s) {
             s.positions = view(e.positions.wide.data(), {1});
             s.input_ids = view(e.input_ids.small.data(), {1});
             s.slot_mapping = view(e.slots.wide.data(), {1});
           },
           "exceeds M = 1"},
          {"negative length source", [](Example3& e, AdvanceDraftsStep&) { e.rejected.wide[1] = 10; },
           "F3 at b = 1, r = 0: length source seq_base - seq_sub = -1"},
          {"length source past seq_cap", [](Example3& e, AdvanceDraftsStep&) { e.target_seq_lens.wide[0] = 13; },
           "F3 at b = 0, r = 2"},
          {"negative new position", [](Example3& e, AdvanceDraftsStep&) { e.pos_in.wide[1] = -2; },
           "F3 at b = 1, r = 0, t = 1: new position -2 + 1 is negative"},
          {"two tokens, no drafts",
           [](Example3& e, AdvanceDraftsStep& s) { keep_query_start_loc(e, s, {0, 1, 3, 3, 3}); },
           "F4 at b = 1, r = 0: row has L - 1 = 1 drafts, more than draft_tokens' width S = 0"},
          {"empty row",
           [](Example3& e, AdvanceDraftsStep& s) { keep_query_start_loc(e, s, {0, 0, 1, 1, 1}); },
           "F4 at b = 0, r = 2: row has no token"},
          {"block index past the row", [](Example3&, AdvanceDraftsStep& s) { s.pos_cap.reset(); },
           "F5 at b = 0, r = 2, t = 0: group 0: block index 3 of position 12 leaves its row of W = 3"},
          {"negative block id", [](Example3& e, AdvanceDraftsStep&) { e.table.wide[2] = -4; },
           "F5 at b = 1, r = 0, t = 1: group 0: block id -4"},
          {"position past int32",
           [](Example3& e, AdvanceDraftsStep& s) {
             e.pos_in.wide[0] = INT32_MAX;  // + 1 = 2^31, in block 0 of size 2^32
             s.pos_cap.reset();
             s.block_size = {int64_t{1} << 32};
             s.positions = e.positions32.vec();
           },
           "F6 at b = 0, r = 2, t = 0: positions[0] = 2147483648 does not fit int32"},
          {"slot past int32",
           [](Example3& e, AdvanceDraftsStep& s) {
             e.table.wide[8] = int64_t{1} << 29;  // r2's block of position 11
             s.slot_mapping = view(e.input_ids.small.data(), {6});
             s.input_ids = view(e.slots.wide.data(), {6});
           },
           "F6 at b = 0, r = 2, t = 0: slot_mapping[0] = 2147483651 does not fit int32"},
          {"token past int32", [](Example3& e, AdvanceDraftsStep&) { e.tokens.wide[1] = int64_t{1} << 40; },
           "F6 at b = 1, r = 0, t = 1: input_ids[1]"},
      },
      StatusCode::kDataFault);
}

TEST(AdvanceDrafts, SampledRowStartingEmptyIsF7) {
  Example3 e;
  HostValues sampled{{5, -1, -1, 6}};
  AdvanceDraftsStep s = e.step();
  s.tokens = TensorView{};
  s.sampled_token_ids = sampled.mat(2);
  expect_refused(e, s, StatusCode::kDataFault, "F7 at b = 1, r = 0: sampled_token_ids row 1 starts with -1");
}

TEST(AdvanceDrafts, ArgumentErrorsByClass) {
  expect_all_refused(
      {
          {"missing input_ids", [](Example3&, AdvanceDraftsStep& s) { s.input_ids = TensorView{}; },
           "input_ids is required"},
          {"neither token source", [](Example3&, AdvanceDraftsStep& s) { s.tokens = TensorView{}; },
           "exactly one of tokens and sampled_token_ids is required (expected one of the two, got neither)"},
          {"both token sources", [](Example3& e, AdvanceDraftsStep& s) { s.sampled_token_ids = e.tokens.mat(2); },
           "got both"},
          {"pad without pos_cap",
           [](Example3&, AdvanceDraftsStep& s) {
             s.on_cap = OnCap::kPad;
             s.pos_cap.reset();
           },
           "pos_cap is required when on_cap is pad"},
      },
      StatusCode::kNullPointer);
  double floats[6] = {};
  expect_all_refused(
      {
          {"float dtype",
           [&](Example3&, AdvanceDraftsStep& s) {
             s.seq_sub.data = floats;
             s.seq_sub.dtype = DType::kFloat64;
           },
           "seq_sub has an unsupported dtype"},
          {"outputs overlapping",
           [](Example3& e, AdvanceDraftsStep& s) { s.slot_mapping = view(e.positions.wide.data(), {6}); },
           "positions overlaps slot_mapping"},
          {"an in-place pair that is not the same view",
           [](Example3& e, AdvanceDraftsStep& s) { s.pos_in = view(e.positions.wide.data() + 1, {2}); },
           "positions overlaps pos_in (an in-place pair must be the very same view)"},
          {"rewritten qsl overlapping an input",
           [](Example3& e, AdvanceDraftsStep& s) { s.idx_mapping = view(e.qsl.wide.data(), {2}); }, "overlaps"},
          {"tensors on two devices", [](Example3&, AdvanceDraftsStep& s) { s.seq_sub.device = Device::kCuda; },
           "seq_sub is on another device"},
      },
      StatusCode::kInvalidArgument);
  expect_all_refused(
      {
          {"pos_in shorter than R",
           [](Example3& e, AdvanceDraftsStep& s) { s.pos_in = view(e.pos_in.wide.data(), {1}); },
           "pos_in must be 1-D with at least 2 elements"},
          {"sampled without a column",
           [](Example3& e, AdvanceDraftsStep& s) {
             s.tokens = TensorView{};
             s.sampled_token_ids = view(e.tokens.wide.data(), {2, 0});
           },
           "sampled_token_ids must be 2-D [R, K]"},
          {"per-row delta shorter than R",
           [](Example3& e, AdvanceDraftsStep& s) { s.delta_per_row = view(e.tokens.wide.data(), {1}); },
           "delta must be 1-D with at least R = 2"},
          {"negative pos_cap", [](Example3&, AdvanceDraftsStep& s) { s.pos_cap = -1; }, "pos_cap must be >= 0"},
          {"seq_cap 0", [](Example3&, AdvanceDraftsStep& s) { s.seq_cap = 0; }, "seq_cap must be >= 1"},
          {"on_cap out of its enumerators", [](Example3&, AdvanceDraftsStep& s) { s.on_cap = static_cast<OnCap>(7); },
           "on_cap must be one of its enumerators"},
          {"block_size 0", [](Example3&, AdvanceDraftsStep& s) { s.block_size = {0}; }, "block_size[0] must be >= 1"},
      },
      StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace advstep::testing
