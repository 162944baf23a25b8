// advance_step on the GPU: aclnnAdvanceStep against a vLLM-style baseline kernel and an empty kernel
// launch, for Q = 1 .. 2^20 queries, launched eagerly, replayed from a CUDA graph, and one step at a
// time with the synchronisation an engine pays, plus the device-to-device copy bandwidth of the
// same GPU. eager and graph: GPU time from CUDA events around a batch of calls (eager: including the
// host's submission, when the GPU waits for it), per call. step: wall-clock time of one call and
// the stream's synchronisation (aclrtSynchronizeStream for ours, which also collects its faults;
// cudaStreamSynchronize for the others), per call. After the Google Benchmark table it prints the
// ratios docs/benchmarks_cuda.md reports.
#include <benchmark/benchmark.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "baseline_kernels.hpp"
#include "workload.hpp"

namespace advstep::bench {
namespace {

constexpr int64_t kCopyBytes = int64_t{256} << 20;

enum class Kind { kOurs, kBaseline, kEmpty };
enum class Mode { kEager, kGraph, kStep };

const char* kind_name(Kind kind) { return kind == Kind::kOurs ? "ours" : kind == Kind::kBaseline ? "baseline" : "empty"; }
const char* mode_name(Mode mode) { return mode == Mode::kEager ? "eager" : mode == Mode::kGraph ? "graph" : "step"; }

/// Seconds per call (and bytes per second where it applies) of each benchmark's last run.
struct Result {
  double seconds_per_call = 0;
  double bytes_per_second = 0;
};
std::map<std::string, Result>& results() {
  static std::map<std::string, Result> all;
  return all;
}

aclrtStream g_stream = nullptr;
std::map<int64_t, std::unique_ptr<Workload>> g_workloads;

Workload& workload(int64_t queries) {
  auto& slot = g_workloads[queries];
  if (!slot) slot = std::make_unique<Workload>(queries, g_stream);
  return *slot;
}

/// Calls per timed batch: enough work to time, few enough steps to stay inside the block tables.
int64_t batch_for(int64_t queries) { return std::clamp<int64_t>(65536 / queries, 4, 256); }

/// Enqueues one call of @p kind; false (and the benchmark skipped) when it fails.
bool enqueue(benchmark::State& state, Kind kind, const Workload* work) {
  if (kind == Kind::kOurs) {
    if (work->ours() != ACL_SUCCESS) {
      state.SkipWithError(aclGetRecentErrMsg());
      return false;
    }
    return true;
  }
  const cudaError_t error = kind == Kind::kBaseline ? work->baseline() : launch_empty(static_cast<cudaStream_t>(g_stream));
  if (error != cudaSuccess) state.SkipWithError(cudaGetErrorString(error));
  return error == cudaSuccess;
}

/// A CUDA graph of @p batch calls, captured on the benchmark's stream.
class Graph {
 public:
  ~Graph() {
    if (exec_ != nullptr) (void)cudaGraphExecDestroy(exec_);
    if (graph_ != nullptr) (void)cudaGraphDestroy(graph_);
  }
  bool capture(benchmark::State& state, Kind kind, const Workload* work, int64_t batch) {
    const auto stream = static_cast<cudaStream_t>(g_stream);
    if (cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
      state.SkipWithError("cudaStreamBeginCapture failed");
      return false;
    }
    bool ok = true;
    for (int64_t k = 0; k < batch && ok; ++k) ok = enqueue(state, kind, work);
    const cudaError_t ended = cudaStreamEndCapture(stream, &graph_);
    if (!ok) return false;
    if (ended != cudaSuccess || cudaGraphInstantiate(&exec_, graph_, 0) != cudaSuccess) {
      state.SkipWithError("capturing the batch into a CUDA graph failed");
      return false;
    }
    return true;
  }
  [[nodiscard]] cudaError_t launch() const { return cudaGraphLaunch(exec_, static_cast<cudaStream_t>(g_stream)); }

 private:
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
};

/// What an engine waits for after a step: ours through the ACL runtime (which reports a fault
/// there), the others through CUDA.
bool synchronize(benchmark::State& state, Kind kind) {
  if (kind == Kind::kOurs) {
    if (aclrtSynchronizeStream(g_stream) == ACL_SUCCESS) return true;
    state.SkipWithError(aclGetRecentErrMsg());
    return false;
  }
  if (cudaStreamSynchronize(static_cast<cudaStream_t>(g_stream)) == cudaSuccess) return true;
  state.SkipWithError("cudaStreamSynchronize failed");
  return false;
}

/// Wall-clock seconds of @p batch steps, each one call and its synchronisation; 0 when one failed.
double time_steps(benchmark::State& state, Kind kind, const Workload* work, int64_t batch) {
  double seconds = 0;
  for (int64_t k = 0; k < batch; ++k) {
    const auto start = std::chrono::steady_clock::now();
    if (!enqueue(state, kind, work) || !synchronize(state, kind)) return 0;
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return seconds;
}

/// Times batches of calls with CUDA events; each iteration's time is the batch's.
void run_batches(benchmark::State& state, const std::string& name, Kind kind, Mode mode, int64_t queries) {
  const auto stream = static_cast<cudaStream_t>(g_stream);
  Workload* work = kind == Kind::kEmpty ? nullptr : &workload(queries);
  const int64_t batch = batch_for(queries);
  Graph graph;
  if (mode == Mode::kGraph && !graph.capture(state, kind, work, batch)) return;
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  if (cudaEventCreate(&start) != cudaSuccess || cudaEventCreate(&stop) != cudaSuccess) {
    state.SkipWithError("cudaEventCreate failed");
    return;
  }
  double total = 0;
  for (auto _ : state) {
    if (work != nullptr && work->reset() != cudaSuccess) state.SkipWithError("resetting seq_lens failed");
    if (mode == Mode::kStep) {
      if (cudaStreamSynchronize(stream) != cudaSuccess) state.SkipWithError("cudaStreamSynchronize failed");
      const double seconds = time_steps(state, kind, work, batch);
      if (seconds <= 0) break;
      state.SetIterationTime(seconds);
      total += seconds;
      continue;
    }
    (void)cudaEventRecord(start, stream);
    if (mode == Mode::kGraph) {
      if (graph.launch() != cudaSuccess) state.SkipWithError("cudaGraphLaunch failed");
    } else {
      for (int64_t k = 0; k < batch; ++k) {
        if (!enqueue(state, kind, work)) break;
      }
    }
    (void)cudaEventRecord(stop, stream);
    float ms = 0;
    if (cudaEventSynchronize(stop) != cudaSuccess || cudaEventElapsedTime(&ms, start, stop) != cudaSuccess) {
      state.SkipWithError("timing with CUDA events failed");
      break;
    }
    state.SetIterationTime(ms / 1e3);
    total += ms / 1e3;
  }
  (void)cudaEventDestroy(start);
  (void)cudaEventDestroy(stop);
  // No step may fault: a faulty step writes nothing and would look fast.
  if (aclrtSynchronizeStream(g_stream) != ACL_SUCCESS) {
    state.SkipWithError(aclGetRecentErrMsg());
    return;
  }
  if (state.iterations() == 0 || total <= 0) return;  // skipped above
  const auto calls = static_cast<double>(state.iterations() * batch);
  const int64_t row_bytes = kind == Kind::kOurs ? kOursBytesPerRow : kind == Kind::kBaseline ? kBaselineBytesPerRow : 0;
  const double bytes_per_call = static_cast<double>(row_bytes * queries);
  state.counters["us_per_call"] = benchmark::Counter(total * 1e6 / calls);
  state.SetItemsProcessed(static_cast<int64_t>(calls));
  if (bytes_per_call > 0) state.SetBytesProcessed(static_cast<int64_t>(calls * bytes_per_call));
  results()[name] = {total / calls, calls * bytes_per_call / total};
}

/// cudaMemcpyAsync device to device of 256 MiB; bandwidth counts bytes read plus bytes written.
void run_copy(benchmark::State& state) {
  const auto stream = static_cast<cudaStream_t>(g_stream);
  void* from = nullptr;
  void* to = nullptr;
  if (cudaMalloc(&from, kCopyBytes) != cudaSuccess || cudaMalloc(&to, kCopyBytes) != cudaSuccess) {
    state.SkipWithError("cudaMalloc failed");
    return;
  }
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  (void)cudaEventCreate(&start);
  (void)cudaEventCreate(&stop);
  double total = 0;
  for (auto _ : state) {
    (void)cudaEventRecord(start, stream);
    if (cudaMemcpyAsync(to, from, kCopyBytes, cudaMemcpyDeviceToDevice, stream) != cudaSuccess) {
      state.SkipWithError("cudaMemcpyAsync failed");
    }
    (void)cudaEventRecord(stop, stream);
    float ms = 0;
    (void)cudaEventSynchronize(stop);
    (void)cudaEventElapsedTime(&ms, start, stop);
    state.SetIterationTime(ms / 1e3);
    total += ms / 1e3;
  }
  const auto copies = static_cast<double>(state.iterations());
  if (copies > 0 && total > 0) {
    state.SetBytesProcessed(static_cast<int64_t>(copies * 2 * kCopyBytes));
    results()["memcpy_d2d"] = {total / copies, copies * 2 * kCopyBytes / total};
  }
  (void)cudaEventDestroy(start);
  (void)cudaEventDestroy(stop);
  (void)cudaFree(from);
  (void)cudaFree(to);
}

std::vector<int64_t> query_counts() {
  std::vector<int64_t> counts;
  for (int64_t q = 1; q <= (int64_t{1} << 20); q *= 4) counts.push_back(q);
  return counts;
}

std::string name_of(Kind kind, Mode mode, int64_t queries) {
  std::string name = std::string("advance_step/") + kind_name(kind) + "/" + mode_name(mode);
  return kind == Kind::kEmpty ? name : name + "/" + std::to_string(queries);
}

void register_all() {
  benchmark::RegisterBenchmark("memcpy_d2d/256MiB", run_copy)->UseManualTime()->Unit(benchmark::kMicrosecond);
  for (Mode mode : {Mode::kEager, Mode::kGraph, Mode::kStep}) {
    const std::string empty = name_of(Kind::kEmpty, mode, 0);
    benchmark::RegisterBenchmark(empty.c_str(), [=](benchmark::State& state) {
      run_batches(state, empty, Kind::kEmpty, mode, 1);
    })->UseManualTime()->Unit(benchmark::kMicrosecond);
    for (int64_t queries : query_counts()) {
      for (Kind kind : {Kind::kOurs, Kind::kBaseline}) {
        const std::string name = name_of(kind, mode, queries);
        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
          run_batches(state, name, kind, mode, queries);
        })->UseManualTime()->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

/// The ratios the goals are stated in: ours / empty launch (Q <= 4096), ours / baseline, and ours'
/// bandwidth as a share of the device-to-device copy's.
void print_ratios(const char* gpu) {
  const auto& all = results();
  const auto time = [&](const std::string& name) {
    const auto it = all.find(name);
    return it == all.end() ? 0.0 : it->second.seconds_per_call;
  };
  const auto copy = all.find("memcpy_d2d");
  const double copy_bandwidth = copy == all.end() ? 0.0 : copy->second.bytes_per_second;
  std::printf("\nGPU: %s; device-to-device copy: %.1f GB/s (read + write)\n", gpu, copy_bandwidth / 1e9);
  std::printf("%-6s %8s %12s %12s %12s %11s %14s %12s %9s\n", "mode", "Q", "ours us", "baseline us", "empty us",
              "ours/empty", "ours/baseline", "ours GB/s", "of copy");
  for (Mode mode : {Mode::kEager, Mode::kGraph, Mode::kStep}) {
    const double empty = time(name_of(Kind::kEmpty, mode, 0));
    for (int64_t queries : query_counts()) {
      const double ours = time(name_of(Kind::kOurs, mode, queries));
      const double baseline = time(name_of(Kind::kBaseline, mode, queries));
      if (ours <= 0 || baseline <= 0 || empty <= 0) continue;
      const double bandwidth = static_cast<double>(kOursBytesPerRow * queries) / ours;
      std::printf("%-6s %8lld %12.2f %12.2f %12.2f %11.2f %14.2f %12.1f %8.0f%%\n", mode_name(mode),
                  static_cast<long long>(queries), ours * 1e6, baseline * 1e6, empty * 1e6, ours / empty,
                  ours / baseline, bandwidth / 1e9, copy_bandwidth > 0 ? 100 * bandwidth / copy_bandwidth : 0.0);
    }
  }
}

}  // namespace
}  // namespace advstep::bench

int main(int argc, char** argv) {
  using namespace advstep::bench;
  ::setenv("ADVSTEP_DEVICE", "cuda", 1);  // the runtime reads it at its first call, just below
  int gpus = 0;
  if (cudaGetDeviceCount(&gpus) != cudaSuccess || gpus == 0) {
    std::fprintf(stderr, "advstep_cuda_bench: no CUDA device is visible; nothing to measure\n");
    return 77;
  }
  if (aclrtSetDevice(0) != ACL_SUCCESS || aclrtCreateStream(&g_stream) != ACL_SUCCESS) {
    std::fprintf(stderr, "advstep_cuda_bench: %s\n", aclGetRecentErrMsg());
    return 1;
  }
  cudaDeviceProp properties{};
  (void)cudaGetDeviceProperties(&properties, 0);
  benchmark::AddCustomContext("gpu", properties.name);
  try {
    for (int64_t queries : query_counts()) {
      const std::string disagreement = workload(queries).cross_check();
      if (!disagreement.empty()) {
        std::fprintf(stderr, "advstep_cuda_bench: %s\n", disagreement.c_str());
        return 1;
      }
    }
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    print_ratios(properties.name);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "advstep_cuda_bench: %s\n", error.what());
    return 1;
  }
  g_workloads.clear();
  (void)aclrtDestroyStream(g_stream);
  return 0;
}
