// The enqueued native form from several host threads at once (skipped without a GPU): on one shared
// stream, where the library keeps each launch's check and write kernels adjacent, and on each
// thread's cudaStreamPerThread, which is one handle for a different stream in every thread and must
// get a fault record per stream. Both kernel forms: one block (64 rows) and check + write (5000).
// One launch among them faults: check_cuda_faults() reports it once and every other step is whole.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "advstep/advance_step.hpp"
#include "cuda_support/gpu_support.hpp"

namespace advstep::testing {
namespace {

constexpr int64_t kTokenSentinel = -77;
constexpr int64_t kPositionSentinel = 99999;
constexpr int64_t kSlotSentinel = -55;

std::vector<int64_t> filled(int64_t n, int64_t value) {
  return std::vector<int64_t>(static_cast<size_t>(n), value);
}

/// V1 on CUDA tensors: N rows, Q = N - 3, block size 4, an [N, 4] table of scrambled block ids all
/// larger than any index into it, lengths i % 13 (row @p bad_row: -4, a fault), and tokens,
/// positions and slots starting at sentinels.
struct NativeStep {
  int64_t n;
  int64_t q;
  std::vector<int64_t> lens;
  std::vector<int64_t> table;
  DeviceArray<int64_t> tokens, sampled, positions, seq_lens, slots, tables;

  NativeStep(int64_t rows, int64_t bad_row)
      : n(rows),
        q(rows - 3),
        lens(lengths(rows, bad_row)),
        table(scrambled(rows)),
        tokens(filled(rows, kTokenSentinel)),
        sampled(ids(rows - 3)),
        positions(filled(rows, kPositionSentinel)),
        seq_lens(lens),
        slots(filled(rows, kSlotSentinel)),
        tables(table) {}

  static std::vector<int64_t> lengths(int64_t rows, int64_t bad_row) {
    std::vector<int64_t> values;
    for (int64_t i = 0; i < rows; ++i) values.push_back(i == bad_row ? -4 : i % 13);
    return values;
  }
  static std::vector<int64_t> scrambled(int64_t rows) {
    std::vector<int64_t> values;
    for (int64_t k = 0; k < rows * 4; ++k) values.push_back(rows * 4 + (k * 40503) % (rows * 4 + 1));
    return values;
  }
  static std::vector<int64_t> ids(int64_t queries) {
    std::vector<int64_t> values;
    for (int64_t i = 0; i < queries; ++i) values.push_back(1000 + i);
    return values;
  }

  void enqueue(cudaStream_t stream) const {
    advance_step_async(
        DecodeStep{view(tokens.data(), {n}, Device::kCuda), view(sampled.data(), {q, 1}, Device::kCuda),
                   view(positions.data(), {n}, Device::kCuda), view(seq_lens.data(), {n}, Device::kCuda),
                   view(slots.data(), {n}, Device::kCuda), view(tables.data(), {n, 4}, Device::kCuda), n, q, 4},
        {}, stream);
  }

  /// "" when every row holds one step's result (query rows advanced, padding rows token 0,
  /// position 0, slot -1, length kept), or, when @p faulted, when every tensor is as it was.
  [[nodiscard]] std::string mismatch(bool faulted) const {
    const std::vector<int64_t> got_tokens = tokens.values(), got_positions = positions.values(),
                               got_lens = seq_lens.values(), got_slots = slots.values();
    for (int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<size_t>(i);
      const int64_t len = lens[k];
      const bool query = i < q;
      int64_t token = query ? 1000 + i : 0, position = query ? len : 0, next = query ? len + 1 : len,
              slot = query ? table[static_cast<size_t>(i * 4 + len / 4)] * 4 + len % 4 : -1;
      if (faulted) {
        token = kTokenSentinel;
        position = kPositionSentinel;
        next = len;
        slot = kSlotSentinel;
      }
      if (got_tokens[k] != token || got_positions[k] != position || got_lens[k] != next || got_slots[k] != slot) {
        return "row " + std::to_string(i) + ": expected " + std::to_string(token) + ", " + std::to_string(position) +
               ", " + std::to_string(next) + ", " + std::to_string(slot) + "; got " + std::to_string(got_tokens[k]) +
               ", " + std::to_string(got_positions[k]) + ", " + std::to_string(got_lens[k]) + ", " +
               std::to_string(got_slots[k]);
      }
    }
    return "";
  }
};

constexpr int kThreads = 4;
constexpr int kStepsEach = 6;
constexpr int kFaultyThread = 1;
constexpr int kFaultyStep = 2;

/// Each thread enqueues its steps on the stream @p stream_of gives it; then the checks.
template <typename StreamOf>
void run_threads(int64_t rows, StreamOf stream_of) {
  const int64_t bad_row = (rows - 3) / 2;
  std::vector<std::vector<std::unique_ptr<NativeStep>>> steps(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int s = 0; s < kStepsEach; ++s) {
      const bool faulty = t == kFaultyThread && s == kFaultyStep;
      steps[static_cast<size_t>(t)].push_back(std::make_unique<NativeStep>(rows, faulty ? bad_row : -1));
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
      const cudaStream_t stream = stream_of();
      for (const auto& step : steps[static_cast<size_t>(t)]) EXPECT_NO_THROW(step->enqueue(stream));
      // Synchronising through CUDA reports nothing and clears nothing.
      EXPECT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
    });
  }
  for (std::thread& thread : threads) thread.join();
  try {
    check_cuda_faults(0);
    ADD_FAILURE() << "the faulty launch was not reported";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_TRUE(error.is_data_fault()) << message;
    EXPECT_NE(message.find("data fault in sequence " + std::to_string(bad_row) + ":"), std::string::npos) << message;
    EXPECT_EQ(message.find("later launch"), std::string::npos) << "one launch faulted: " << message;
  }
  EXPECT_NO_THROW(check_cuda_faults(0)) << "reported once";
  for (int t = 0; t < kThreads; ++t) {
    for (int s = 0; s < kStepsEach; ++s) {
      const bool faulty = t == kFaultyThread && s == kFaultyStep;
      EXPECT_EQ(steps[static_cast<size_t>(t)][static_cast<size_t>(s)]->mismatch(faulty), "")
          << "thread " << t << " step " << s << (faulty ? " (the faulty one)" : "");
    }
  }
}

class CudaNativeThreads : public GpuTest, public ::testing::WithParamInterface<int64_t> {};

TEST_P(CudaNativeThreads, ThreadsSharingOneStream) {
  cudaStream_t shared = nullptr;
  ASSERT_EQ(cudaStreamCreate(&shared), cudaSuccess);
  run_threads(GetParam(), [shared] { return shared; });
  EXPECT_EQ(cudaStreamDestroy(shared), cudaSuccess);
}

TEST_P(CudaNativeThreads, EachThreadOnItsPerThreadStream) {
  run_threads(GetParam(), [] { return cudaStreamPerThread; });
}

// 64: one single-block kernel per launch; 5000: check and write kernels sharing the record's scratch.
INSTANTIATE_TEST_SUITE_P(Sizes, CudaNativeThreads, ::testing::Values(64, 5000));

}  // namespace
}  // namespace advstep::testing
