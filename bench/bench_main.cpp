// advance_step side by side, in one process: the C API (phase 1 + phase 2 + synchronise), the
// native C++ API, the naive loops and a memcpy of the bytes the operator must move at least.
// bench/peers.py times numpy, PyTorch and the Python API on the same cases; bench/report.py joins
// both on the case key ("v1/n=256/b=16/w=16").
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "c_api_call.hpp"
#include "naive_oracle.hpp"
#include "workload.hpp"

#include "advstep/advance_step.hpp"

namespace advstep::bench {
namespace {

constexpr int64_t kSizes[] = {1, 16, 256, 1024, 4096, 16384, 65536, int64_t{1} << 20};  // 1024: V2 N = 256's cells; 16384: the threading threshold

std::vector<Case> grid() {
  std::vector<Case> cases;
  for (int32_t version : {1, 2}) {
    for (int64_t n : kSizes) cases.push_back({version, n, 16, 16, 3});
    for (int64_t block_size : {128, 48}) {
      for (int64_t n : {256, 65536}) cases.push_back({version, n, block_size, 16, 3});
    }
    for (int64_t n : {256, 65536}) cases.push_back({version, n, 16, 4096, 3});
  }
  return cases;
}

/// The case being measured: building a large one (a 2 GiB block table) is slow, and every
/// implementation of a case runs back to back, so the last one is kept.
Workload& workload_for(const Case& c) {
  static std::unique_ptr<Workload> current;
  if (!current || current->shape.key() != c.key()) {
    current.reset();
    current = std::make_unique<Workload>(c);
  }
  current->reset();
  return *current;
}

/// Runs @p call once per iteration, restoring the consumed inputs every kResetEvery calls (a
/// memcpy of 8 bytes per cell, under 1% of a call, inside the timing as it is for the peers).
template <typename Call>
void time_calls(benchmark::State& state, Workload& w, Call&& call) {
  int64_t since_reset = 0;
  for (auto _ : state) {
    if (since_reset == kResetEvery) {
      w.reset();
      since_reset = 0;
    }
    ++since_reset;
    if (const char* error = call(); error != nullptr) {
      state.SkipWithError(error);
      break;
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * w.shape.floor_bytes());
  state.counters["n"] = static_cast<double>(w.shape.n);
  state.counters["floor_bytes"] = static_cast<double>(w.shape.floor_bytes());
}

void c_api(benchmark::State& state, const Case& c) {
  Workload& w = workload_for(c);
  CApiCall call(w);
  time_calls(state, w, [&] { return call.run(); });
}

TensorView cells_view(int64_t* data, const Case& c) {
  return view(data, {c.cells()});
}

void native_api(benchmark::State& state, const Case& c) {
  Workload& w = workload_for(c);
  const int64_t e = c.spec_num + 1;
  const TensorView tokens = cells_view(w.input_tokens, c);
  const TensorView positions = cells_view(w.input_positions, c);
  const TensorView seq_lens = cells_view(w.seq_lens, c);
  const TensorView slots = cells_view(w.slot_mapping, c);
  const TensorView table = view(w.block_tables, {c.num_seqs(), c.width});
  const TensorView sampled = c.version == 1 ? view(w.sampled_token_ids, {c.n, 1}) : view(w.sampled_token_ids, {c.n, e});
  const Step step =
      c.version == 1 ? Step{DecodeStep{tokens, sampled, positions, seq_lens, slots, table, c.num_seqs(),
                                       c.num_queries(), c.block_size}}
                     : Step{SpeculativeStep{tokens, sampled, positions, seq_lens, slots, table, c.n, c.n, c.block_size,
                                            view(w.spec_token, {c.n, c.spec_num}), view(w.accepted_num, {c.n})}};
  time_calls(state, w, [&]() -> const char* {
    try {
      advance_step(step);
    } catch (const Error& error) {
      static std::string message;
      message = error.what();
      return message.c_str();
    }
    return nullptr;
  });
}

void naive(benchmark::State& state, const Case& c) {
  Workload& w = workload_for(c);
  time_calls(state, w, [&]() -> const char* {
    const bool ok = c.version == 1 ? naive_advance_step_v1(w) : naive_advance_step_v2(w);
    return ok ? nullptr : "naive loops found a data fault";
  });
}

/// The floor: memcpy of floor_bytes() / 2 bytes reads and writes floor_bytes() in all.
void memcpy_floor(benchmark::State& state, const Case& c) {
  const auto half = static_cast<size_t>(c.floor_bytes() / 2);
  std::vector<char> source(half, 1);
  std::vector<char> target(half, 0);
  for (auto _ : state) {
    std::memcpy(target.data(), source.data(), half);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * c.floor_bytes());
  state.counters["n"] = static_cast<double>(c.n);
  state.counters["floor_bytes"] = static_cast<double>(c.floor_bytes());
}

void register_all() {
  const std::pair<const char*, void (*)(benchmark::State&, const Case&)> kImplementations[] = {
      {"c_api", c_api}, {"native", native_api}, {"naive", naive}, {"memcpy", memcpy_floor}};
  for (const Case& c : grid()) {
    for (const auto& [name, body] : kImplementations) {
      const std::string full = std::string(name) + "/" + c.key();
      auto* b = benchmark::RegisterBenchmark(full.c_str(), body, c);
      // Big cases take milliseconds per call: fewer repetitions keep the whole run to minutes.
      const bool big = c.n * (c.version == 1 ? 1 : c.spec_num + 1) >= 65536;
      b->Repetitions(big ? 5 : 7)->MinTime(big ? 0.08 : 0.03)->ReportAggregatesOnly(true);
      // Other work on a shared machine only ever adds time: the report quotes the best repetition.
      b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
      b->Unit(benchmark::kNanosecond)->UseRealTime();
    }
  }
}

}  // namespace
}  // namespace advstep::bench

int main(int argc, char** argv) {
  if (aclInit(nullptr) != ACL_SUCCESS || aclrtSetDevice(0) != ACL_SUCCESS) {
    std::fprintf(stderr, "ACL runtime failed to start: %s\n", aclGetRecentErrMsg());
    return 1;
  }
  advstep::bench::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  advstep::bench::CApiCall::release_stream();
  (void)aclrtResetDevice(0);
  (void)aclFinalize();
  return 0;
}
