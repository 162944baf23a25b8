// prepare_inputs through the C++ API, beside plain unchecked loops of the same step, at R = 1 .. 4096
// requests: the C++ side of bench/prepare_step_peers.py, which times the Python API, numpy and PyTorch on
// a workload of the same recipe (R requests drawn from R + R/4 + 1 state rows, 1 to 1 + S tokens each, every
// row a decode row, contexts below 4096, block size 16, vLLM's dtypes, buffers padded to a multiple of 8
// rows). The values come from another generator than numpy's, so the token count of a step differs a
// little; the report prints it beside every figure.
//
// usage: advstep_prepare_bench [Google Benchmark flags]; bench/report_prepare.py reads --benchmark_out.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "advstep/prepare_step.hpp"
#include "advstep/status.hpp"  // advstep::Error

namespace advstep::bench {
namespace {

constexpr int64_t kRequests[] = {1, 4, 16, 64, 256, 1024, 4096};
constexpr int64_t kSpec = 3;
constexpr int64_t kBlockSize = 16;
constexpr int64_t kContext = 4096;
constexpr int64_t kVocabulary = 32000;
constexpr int64_t kBlocks = int64_t{1} << 20;
constexpr int64_t kGraphSize = 8;

/// One decode step with drafts: the inputs and the (padded) outputs of prepare_inputs.
struct StepWorkload {
  int64_t requests = 0;
  int64_t state_rows = 0;
  int64_t width = 0;
  std::vector<int64_t> idx_mapping;
  std::vector<int32_t> query_start_loc, cu_num_logits, num_computed_tokens, prefill_len, block_tables;
  std::vector<int64_t> last_sampled_tokens, draft_tokens;
  std::vector<int32_t> input_ids, seq_lens;
  std::vector<int64_t> positions, slot_mapping, logits_indices;

  explicit StepWorkload(int64_t r) : requests(r), state_rows(r + r / 4 + 1) {
    std::mt19937_64 rng(static_cast<uint64_t>(r));
    auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi - 1)(rng); };
    width = (kContext + kSpec + 1 + kBlockSize - 1) / kBlockSize;
    query_start_loc.assign(static_cast<size_t>(r + 1), 0);
    for (int64_t b = 0; b < r; ++b) {
      query_start_loc[static_cast<size_t>(b + 1)] =
          query_start_loc[static_cast<size_t>(b)] + static_cast<int32_t>(uniform(1, kSpec + 2));
    }
    cu_num_logits = query_start_loc;  // a decode row's logits: its bonus token and every draft
    std::vector<int64_t> rows(static_cast<size_t>(state_rows));
    std::iota(rows.begin(), rows.end(), 0);
    std::shuffle(rows.begin(), rows.end(), rng);
    idx_mapping.assign(rows.begin(), rows.begin() + r);
    for (int64_t s = 0; s < state_rows; ++s) {
      const auto computed = static_cast<int32_t>(uniform(0, kContext));
      num_computed_tokens.push_back(computed);
      prefill_len.push_back(std::min(computed, static_cast<int32_t>(uniform(1, 64))));
      last_sampled_tokens.push_back(uniform(0, kVocabulary));
      for (int64_t k = 0; k < kSpec; ++k) draft_tokens.push_back(uniform(0, kVocabulary));
      for (int64_t k = 0; k < width; ++k) block_tables.push_back(static_cast<int32_t>(uniform(0, kBlocks)));
    }
    const int64_t padded_rows = (r + kGraphSize - 1) / kGraphSize * kGraphSize;
    const auto buffer_tokens = static_cast<size_t>(padded_rows * (kSpec + 1));
    input_ids.assign(buffer_tokens, 7);
    positions.assign(buffer_tokens, 7);
    slot_mapping.assign(buffer_tokens, 7);
    seq_lens.assign(static_cast<size_t>(padded_rows), 7);
    logits_indices.assign(static_cast<size_t>(tokens()), 7);
  }

  [[nodiscard]] int64_t tokens() const { return query_start_loc.back(); }

  [[nodiscard]] PrepareInputsStep step() {
    PrepareInputsStep s;
    s.idx_mapping = view(idx_mapping.data(), {requests});
    s.query_start_loc = view(query_start_loc.data(), {requests + 1});
    s.num_computed_tokens = view(num_computed_tokens.data(), {state_rows});
    s.block_tables = {view(block_tables.data(), {state_rows, width})};
    s.block_size = {kBlockSize};
    s.positions = view(positions.data(), {static_cast<int64_t>(positions.size())});
    s.seq_lens = view(seq_lens.data(), {static_cast<int64_t>(seq_lens.size())});
    s.slot_mapping = view(slot_mapping.data(), {static_cast<int64_t>(slot_mapping.size())});
    s.input_ids = view(input_ids.data(), {static_cast<int64_t>(input_ids.size())});
    s.last_sampled_tokens = view(last_sampled_tokens.data(), {state_rows});
    s.draft_tokens = view(draft_tokens.data(), {state_rows, kSpec});
    s.prefill_len = view(prefill_len.data(), {state_rows});
    s.cu_num_logits = view(cu_num_logits.data(), {requests + 1});
    s.logits_indices = view(logits_indices.data(), {tokens()});
    return s;
  }
};

/// The step as the engines' kernels compute it: one pass, no check at all (a lower bound for one thread).
void unchecked_step(StepWorkload& w) {
  const int64_t total = w.tokens();
  for (int64_t b = 0; b < w.requests; ++b) {
    const int64_t r = w.idx_mapping[static_cast<size_t>(b)];
    const int64_t qs = w.query_start_loc[static_cast<size_t>(b)];
    const int64_t qe = w.query_start_loc[static_cast<size_t>(b + 1)];
    const int64_t nc = w.num_computed_tokens[static_cast<size_t>(r)];
    const int64_t seq_len = nc + qe - qs;
    w.seq_lens[static_cast<size_t>(b)] = static_cast<int32_t>(seq_len);
    const int32_t* table = w.block_tables.data() + r * w.width;
    for (int64_t t = qs; t < qe; ++t) {
      const int64_t p = nc + t - qs;
      w.positions[static_cast<size_t>(t)] = p;
      w.slot_mapping[static_cast<size_t>(t)] = int64_t{table[p / kBlockSize]} * kBlockSize + p % kBlockSize;
    }
    const int64_t cs = w.cu_num_logits[static_cast<size_t>(b)];
    const int64_t logits = w.cu_num_logits[static_cast<size_t>(b + 1)] - cs;
    for (int64_t k = 0; k < logits; ++k) w.logits_indices[static_cast<size_t>(cs + k)] = qe - logits + k;
    const int64_t prompt = w.prefill_len[static_cast<size_t>(r)];
    if (seq_len <= prompt) continue;
    if (seq_len - logits >= prompt) {
      w.input_ids[static_cast<size_t>(qe - logits)] =
          static_cast<int32_t>(w.last_sampled_tokens[static_cast<size_t>(r)]);
    }
    for (int64_t k = 0; k < logits - 1; ++k) {
      w.input_ids[static_cast<size_t>(qe - logits + 1 + k)] =
          static_cast<int32_t>(w.draft_tokens[static_cast<size_t>(r * kSpec + k)]);
    }
  }
  std::fill(w.seq_lens.begin() + w.requests, w.seq_lens.end(), 0);
  std::fill(w.slot_mapping.begin() + total, w.slot_mapping.end(), -1);
}

void set_counters(benchmark::State& state, const StepWorkload& w) {
  state.counters["requests"] = static_cast<double>(w.requests);
  state.counters["tokens"] = static_cast<double>(w.tokens());
}

void cpp_api(benchmark::State& state, int64_t requests) {
  StepWorkload w(requests);
  const PrepareInputsStep step = w.step();
  for (auto _ : state) {
    try {
      prepare_inputs(step);
    } catch (const Error& error) {
      state.SkipWithError(error.what());
      break;
    }
    benchmark::ClobberMemory();
  }
  set_counters(state, w);
}

void unchecked(benchmark::State& state, int64_t requests) {
  StepWorkload w(requests);
  for (auto _ : state) {
    unchecked_step(w);
    benchmark::ClobberMemory();
  }
  set_counters(state, w);
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

void register_all() {
  const std::pair<const char*, void (*)(benchmark::State&, int64_t)> kImplementations[] = {
      {"cpp_api", cpp_api}, {"unchecked_loop", unchecked}};
  for (int64_t requests : kRequests) {
    for (const auto& [name, body] : kImplementations) {
      const std::string full = std::string("prepare_inputs/") + name + "/r=" + std::to_string(requests);
      auto* b = benchmark::RegisterBenchmark(full.c_str(), body, requests);
      // Each repetition is one sample (the mean of its iterations), as a block of calls is on the Python side.
      b->Repetitions(15)->MinTime(0.01)->ReportAggregatesOnly(true);
      b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
      b->ComputeStatistics("p90", [](const std::vector<double>& v) { return percentile(v, 0.9); });
      b->Unit(benchmark::kNanosecond)->UseRealTime();
    }
  }
}

}  // namespace
}  // namespace advstep::bench

int main(int argc, char** argv) {
  advstep::bench::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
