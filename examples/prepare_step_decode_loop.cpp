// An engine's decode loop on the prepare step (docs/prepare_step.md), through the native C++ API on host
// memory: a prefill chunk and decode rows with drafts (prepare_inputs), a rejected draft (post_update), the
// next step, EAGLE draft steps reaching max_model_len (advance_drafts with pos_cap / seq_cap, clamped and
// padded) and a batch padded to a CUDA-graph size. Every value is the one prepare_step.md section 6 gives;
// the program prints each output and exits with 1 if any differs.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"

namespace {

using advstep::view;
using I32 = std::vector<int32_t>;
using I64 = std::vector<int64_t>;

int g_mismatches = 0;

/// Prints @p name and its values, and counts a mismatch with @p expected.
template <typename T>
void expect(const char* name, const std::vector<T>& got, const std::vector<int64_t>& expected) {
  std::string line;
  bool same = got.size() == expected.size();
  for (size_t i = 0; i < got.size(); ++i) {
    line += (i ? " " : "") + std::to_string(got[i]);
    same = same && static_cast<int64_t>(got[i]) == expected[i];
  }
  std::printf("  %-18s %s%s\n", name, line.c_str(), same ? "" : "   <- differs from the spec");
  if (!same) ++g_mismatches;
}

template <typename T>
advstep::TensorView vec(std::vector<T>& v) {
  return view(v.data(), {static_cast<int64_t>(v.size())});
}

/// Ex 2: a prefill chunk and two decode rows with drafts; the sampler rejects one draft; the next step.
void decode_with_drafts() {
  const int64_t kDrafts = 2;
  const int64_t kBlockSize = 4;
  // The engine's per-request state (row r = a request's slot); only post_update writes it.
  I32 num_computed_tokens = {12, 4, 0, 7};
  I32 prefill_len = {2, 10, 0, 5};
  I64 last_sampled_tokens = {200, 0, 0, 300};
  I64 draft_tokens = {201, 0, 0, 0, 0, 0, 301, 302};                    // [4, S]
  I32 block_table = {1, 5, 6, 8, 2, 3, 4, 0, 0, 0, 0, 0, 7, 9, 11, 0};  // [4, 4]
  // Persistent buffers: M = 12 tokens, 4 rows (the CUDA-graph batch size), pre-filled with 7.
  I32 input_ids(12, 7);
  I64 positions(12, 7), slot_mapping(12, 7), logits_indices(6, 7);
  I32 seq_lens(4, 7);

  // The batch: r1 prefills 5 more prompt tokens, r3 decodes with 2 drafts, r0 with 1.
  I64 idx_mapping = {1, 3, 0};
  I32 query_start_loc = {0, 5, 8, 10};
  I32 cu_num_logits = {0, 1, 4, 6};
  for (int32_t j = 0; j < 5; ++j) input_ids[static_cast<size_t>(j)] = 1004 + j;  // the prompt chunk: the engine's

  advstep::PrepareInputsStep step;
  step.idx_mapping = vec(idx_mapping);
  step.query_start_loc = vec(query_start_loc);
  step.num_computed_tokens = vec(num_computed_tokens);
  step.block_tables = {view(block_table.data(), {4, 4})};
  step.block_size = {kBlockSize};
  step.positions = vec(positions);
  step.seq_lens = vec(seq_lens);
  step.slot_mapping = vec(slot_mapping);
  step.input_ids = vec(input_ids);
  step.last_sampled_tokens = vec(last_sampled_tokens);
  step.draft_tokens = view(draft_tokens.data(), {4, kDrafts});
  step.prefill_len = vec(prefill_len);
  step.cu_num_logits = vec(cu_num_logits);
  step.logits_indices = vec(logits_indices);
  advstep::prepare_inputs(step);

  std::printf("prepare_inputs: a prefill chunk, decode rows with drafts\n");
  expect("positions", positions, {4, 5, 6, 7, 8, 7, 8, 9, 12, 13, 7, 7});
  expect("seq_lens", seq_lens, {9, 10, 14, 0});
  expect("input_ids", input_ids, {1004, 1005, 1006, 1007, 1008, 300, 301, 302, 200, 201, 7, 7});
  expect("slot_mapping", slot_mapping, {12, 13, 14, 15, 16, 39, 44, 45, 32, 33, -1, -1});
  expect("logits_indices", logits_indices, {4, 5, 6, 7, 8, 9});

  // The sampler verified the drafts; n and rho per row as vLLM derives them (a row inside its prompt
  // samples nothing; every other logit that did not become a token was a rejected draft).
  I64 sampled_tokens = {0, 0, 301, 350, 201, 260};  // [R, K = 2]
  const int32_t returned[] = {1, 2, 2};
  I32 num_sampled(3, 0), num_rejected(3, 0);
  for (size_t b = 0; b < 3; ++b) {
    const auto r = static_cast<size_t>(idx_mapping[b]);
    if (seq_lens[b] < prefill_len[r]) continue;
    num_sampled[b] = returned[b];
    num_rejected[b] = cu_num_logits[b + 1] - cu_num_logits[b] - returned[b];
  }

  advstep::PostUpdateStep update;
  update.idx_mapping = vec(idx_mapping);
  update.num_computed_tokens = vec(num_computed_tokens);
  update.last_sampled_tokens = vec(last_sampled_tokens);
  update.sampled_tokens = view(sampled_tokens.data(), {3, 2});
  update.num_sampled = vec(num_sampled);
  update.num_rejected = vec(num_rejected);
  update.query_start_loc = vec(query_start_loc);
  advstep::post_update(update);

  std::printf("post_update: draft 302 of r3 rejected\n");
  expect("num_sampled", num_sampled, {0, 2, 2});
  expect("num_rejected", num_rejected, {0, 1, 0});
  expect("num_computed", num_computed_tokens, {14, 9, 0, 9});
  expect("last_sampled", last_sampled_tokens, {260, 0, 0, 350});

  // The next step, r3 alone: the rejected draft's position and slot are used again.
  I64 next_idx = {3};
  I32 next_qsl = {0, 1};
  I32 next_cu = {0, 1};
  step.idx_mapping = vec(next_idx);
  step.query_start_loc = vec(next_qsl);
  step.cu_num_logits = vec(next_cu);
  step.draft_tokens = {};  // no drafts this step
  advstep::prepare_inputs(step);

  std::printf("prepare_inputs: the next step of r3\n");
  expect("position, token", I64{positions[0], input_ids[0], slot_mapping[0]}, {9, 350, 45});
  expect("seq_lens", seq_lens, {10, 0, 0, 0});
}

/// Ex 3: EAGLE draft steps reaching max_model_len = 12, clamped, then the first one padded instead.
void eagle_at_max_model_len() {
  const int64_t kMaxModelLen = 12;
  I32 eagle_table = {6, 7, 8, 0, 0, 0, 3, 4, 5};  // [3, 3], B = 4
  I64 idx_mapping = {2, 0};
  I32 target_seq_lens = {12, 9};
  I32 num_rejected = {0, 1};
  I64 last_accepted_position = {11, 7};
  I64 first_tokens = {500, 600};
  I64 second_tokens = {501, 601};
  I32 query_start_loc = {5, 1, 0, 7, 7};  // the target step's, rewritten by the first draft step
  I64 positions(6, 7), slot_mapping(6, 7);
  I32 input_ids(6, 7), seq_lens(4, 7);

  advstep::AdvanceDraftsStep first;
  first.idx_mapping = vec(idx_mapping);
  first.query_start_loc = vec(query_start_loc);
  first.positions = vec(positions);
  first.input_ids = vec(input_ids);
  first.slot_mapping = vec(slot_mapping);
  first.block_tables = {view(eagle_table.data(), {3, 3})};
  first.block_size = {4};
  first.delta = 1;
  first.tokens = vec(first_tokens);
  first.pos_in = vec(last_accepted_position);
  first.seq_lens = vec(seq_lens);
  first.seq_base = vec(target_seq_lens);
  first.seq_sub = vec(num_rejected);
  first.pos_cap = kMaxModelLen - 1;
  first.seq_cap = kMaxModelLen;
  first.rewrite_query_start_loc = true;
  first.seq_lens_tail = advstep::SeqLensTail::kZero;
  advstep::advance_drafts(first);

  std::printf("advance_drafts: the first draft step, row 0 at max_model_len\n");
  expect("query_start_loc", query_start_loc, {0, 1, 2, 2, 2});
  expect("positions", positions, {11, 8, 7, 7, 7, 7});
  expect("seq_lens", seq_lens, {12, 9, 0, 0});
  expect("input_ids", input_ids, {500, 600, 7, 7, 7, 7});
  expect("slot_mapping", slot_mapping, {23, 32, -1, -1, -1, -1});

  // Later steps read positions and seq_lens in place (pos_in and seq_base left out).
  advstep::AdvanceDraftsStep later = first;
  later.tokens = vec(second_tokens);
  later.pos_in = {};
  later.seq_base = {};
  later.seq_sub = {};
  later.rewrite_query_start_loc = false;
  later.seq_lens_tail = advstep::SeqLensTail::kKeep;
  advstep::advance_drafts(later);

  std::printf("advance_drafts: the second draft step\n");
  expect("positions", positions, {11, 9, 7, 7, 7, 7});
  expect("seq_lens", seq_lens, {12, 10, 0, 0});
  expect("slot_mapping", slot_mapping, {23, 33, -1, -1, -1, -1});

  // on_cap = pad: the capped row gets position 0, length 1 and no KV slot.
  positions.assign(6, 7);
  seq_lens.assign(4, 7);
  slot_mapping.assign(6, 7);
  first.on_cap = advstep::OnCap::kPad;
  advstep::advance_drafts(first);

  std::printf("advance_drafts: the first draft step, padded at the cap\n");
  expect("positions", positions, {0, 8, 7, 7, 7, 7});
  expect("seq_lens", seq_lens, {1, 9, 0, 0});
  expect("slot_mapping", slot_mapping, {-1, 32, -1, -1, -1, -1});
}

/// Ex 1: three requests in a batch padded to the CUDA-graph size 4, then a fault that writes nothing.
void cuda_graph_padding() {
  I32 num_computed_tokens = {9, 0, 3, 0, 6, 0};
  I64 last_sampled_tokens = {101, 0, 102, 0, 104, 0};
  I32 block_table = {10, 11, 12, 0, 0, 0, 5, 6, 0, 0, 0, 0, 20, 21, 0, 0, 0, 0};  // [6, 3], B = 4
  I64 idx_mapping = {4, 0, 2};
  I32 query_start_loc = {0, 1, 2, 3, 3, 3, 3};  // past R: T repeated, never read
  I32 cu_num_logits = {0, 1, 2, 3};
  I64 positions(8, 7), slot_mapping(8, 7), logits_indices(3, 7);
  I32 input_ids(8, 7), seq_lens(6, 5);

  advstep::PrepareInputsStep step;
  step.idx_mapping = vec(idx_mapping);
  step.query_start_loc = vec(query_start_loc);
  step.num_computed_tokens = vec(num_computed_tokens);
  step.block_tables = {view(block_table.data(), {6, 3})};
  step.block_size = {4};
  step.positions = vec(positions);
  step.seq_lens = vec(seq_lens);
  step.slot_mapping = vec(slot_mapping);
  step.input_ids = vec(input_ids);
  step.last_sampled_tokens = vec(last_sampled_tokens);
  step.cu_num_logits = vec(cu_num_logits);
  step.logits_indices = vec(logits_indices);
  advstep::prepare_inputs(step);

  std::printf("prepare_inputs: R = 3 in a CUDA graph of 4 rows, M = 8\n");
  expect("positions", positions, {6, 9, 3, 7, 7, 7, 7, 7});
  expect("seq_lens", seq_lens, {7, 10, 4, 0, 0, 0});
  expect("input_ids", input_ids, {104, 101, 102, 7, 7, 7, 7, 7});
  expect("slot_mapping", slot_mapping, {86, 49, 23, -1, -1, -1, -1, -1});
  expect("logits_indices", logits_indices, {0, 1, 2});

  // r4 at position 12 would need block 3 of its 3-block row: F5, and nothing is written.
  num_computed_tokens[4] = 12;
  positions.assign(8, 7);
  try {
    advstep::prepare_inputs(step);
    std::printf("  the fault was not reported   <- differs from the spec\n");
    ++g_mismatches;
  } catch (const advstep::Error& error) {
    std::printf("a data fault (%d): %s\n", static_cast<int>(error.code()), error.what());
    if (error.code() != advstep::StatusCode::kDataFault) ++g_mismatches;
  }
  expect("positions", positions, {7, 7, 7, 7, 7, 7, 7, 7});
}

}  // namespace

int main() {
  try {
    decode_with_drafts();
    eagle_at_max_model_len();
    cuda_graph_padding();
  } catch (const advstep::Error& error) {
    std::fprintf(stderr, "unexpected error (%d): %s\n", static_cast<int>(error.code()), error.what());
    return 1;
  }
  if (g_mismatches != 0) {
    std::fprintf(stderr, "%d output(s) differ from the values of prepare_step.md\n", g_mismatches);
    return 1;
  }
  std::printf("every output matches the values of prepare_step.md\n");
  return 0;
}
