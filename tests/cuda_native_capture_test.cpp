// The native API's enqueued form on a GPU (skipped without one): advance_step_async never waits, can
// be captured into a CUDA graph, and its faults are reported by check_cuda_faults(); the synchronous
// form refuses a stream being captured instead of breaking the capture.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "cuda_support/gpu_support.hpp"

namespace advstep::testing {
namespace {

/// A V1 step of N = 8 rows, Q = 6, on GPU 0: lens i + 1, a table [8, 4] of scrambled block ids all
/// larger than any index into it, and tokens, positions and slots starting at sentinels (so that a
/// padding row left unwritten, or a slot computed from an index, shows).
struct GpuStep {
  static constexpr int64_t kTokenSentinel = -77;
  static constexpr int64_t kPositionSentinel = 99999;
  static constexpr int64_t kSlotSentinel = -55;

  DeviceArray<int64_t> tokens{std::vector<int64_t>(8, kTokenSentinel)};
  DeviceArray<int64_t> sampled{std::vector<int64_t>{11, 12, 13, 14, 15, 16}};
  DeviceArray<int64_t> positions{std::vector<int64_t>(8, kPositionSentinel)};
  DeviceArray<int64_t> seq_lens;
  DeviceArray<int64_t> slots{std::vector<int64_t>(8, kSlotSentinel)};
  DeviceArray<int64_t> tables;

  explicit GpuStep(int64_t bad_row = -1) : seq_lens(lens(bad_row)), tables(table()) {}

  static std::vector<int64_t> lens(int64_t bad_row) {
    std::vector<int64_t> values{1, 2, 3, 4, 5, 6, 7, 8};
    if (bad_row >= 0) values[static_cast<size_t>(bad_row)] = -4;
    return values;
  }
  static std::vector<int64_t> table() {
    std::vector<int64_t> values(32);
    for (int64_t k = 0; k < 32; ++k) values[static_cast<size_t>(k)] = 32 + (k * 40503) % 33;
    return values;
  }

  /// Every output after one valid step from lens(-1): rows 0..5 advanced, rows 6 and 7 padding.
  [[nodiscard]] bool advanced_once() const {
    const std::vector<int64_t> ids = table();
    std::vector<int64_t> expected_slots;
    for (int64_t i = 0; i < 8; ++i) {
      const int64_t len = i + 1;
      expected_slots.push_back(i < 6 ? ids[static_cast<size_t>(i * 4 + len / 4)] * 4 + len % 4 : -1);
    }
    return tokens.values() == std::vector<int64_t>{11, 12, 13, 14, 15, 16, 0, 0} &&
           positions.values() == std::vector<int64_t>{1, 2, 3, 4, 5, 6, 0, 0} &&
           seq_lens.values() == std::vector<int64_t>{2, 3, 4, 5, 6, 7, 7, 8} && slots.values() == expected_slots;
  }

  void enqueue(cudaStream_t stream) const {
    advance_step_async(
        DecodeStep{view(tokens.data(), {8}, Device::kCuda), view(sampled.data(), {6, 1}, Device::kCuda),
                   view(positions.data(), {8}, Device::kCuda), view(seq_lens.data(), {8}, Device::kCuda),
                   view(slots.data(), {8}, Device::kCuda), view(tables.data(), {8, 4}, Device::kCuda), 8, 6, 4},
        {}, stream);
  }
  void run(cudaStream_t stream) const {
    advance_step(
        DecodeStep{view(tokens.data(), {8}, Device::kCuda), view(sampled.data(), {6, 1}, Device::kCuda),
                   view(positions.data(), {8}, Device::kCuda), view(seq_lens.data(), {8}, Device::kCuda),
                   view(slots.data(), {8}, Device::kCuda), view(tables.data(), {8, 4}, Device::kCuda), 8, 6, 4},
        {}, stream);
  }
};

class CudaNativeCapture : public GpuTest {};

TEST_F(CudaNativeCapture, AnEnqueuedFaultWaitsForTheCheckAndIsReportedOnce) {
  const GpuStep faulty(2), valid;
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  faulty.enqueue(stream);  // returns without waiting, and without raising the fault
  faulty.enqueue(stream);
  valid.enqueue(stream);
  try {
    check_cuda_faults(0);
    FAIL() << "the fault was not reported";
  } catch (const Error& error) {
    EXPECT_TRUE(error.is_data_fault());
    EXPECT_NE(std::string(error.what()).find("data fault in sequence 2:"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("; 1 later launch"), std::string::npos) << error.what();
  }
  EXPECT_EQ(faulty.tokens.values(), std::vector<int64_t>(8, GpuStep::kTokenSentinel));
  EXPECT_EQ(faulty.positions.values(), std::vector<int64_t>(8, GpuStep::kPositionSentinel));
  EXPECT_EQ(faulty.slots.values(), std::vector<int64_t>(8, GpuStep::kSlotSentinel));
  EXPECT_TRUE(valid.advanced_once());
  EXPECT_NO_THROW(check_cuda_faults(0)) << "reported once";
  EXPECT_EQ(cudaStreamDestroy(stream), cudaSuccess);
}

TEST_F(CudaNativeCapture, ACapturedStepReplaysAndItsFaultIsReportedByTheCheck) {
  const GpuStep step;
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal), cudaSuccess);
  step.enqueue(stream);  // the first capture allocates its records in relaxed mode: the capture survives
  ASSERT_EQ(cudaStreamEndCapture(stream, &graph), cudaSuccess);
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  EXPECT_EQ(step.tokens.values(), std::vector<int64_t>(8, GpuStep::kTokenSentinel)) << "capturing ran the kernels";
  ASSERT_EQ(cudaGraphLaunch(exec, stream), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  EXPECT_TRUE(step.advanced_once());
  EXPECT_NO_THROW(check_cuda_faults(0));
  // A bad length planted between replays: the replay writes nothing and the check reports it.
  const std::vector<int64_t> bad{2, 3, -1, 5, 6, 7, 7, 8};
  ASSERT_EQ(cudaMemcpy(step.seq_lens.data(), bad.data(), 64, cudaMemcpyHostToDevice), cudaSuccess);
  const std::vector<int64_t> tokens_before = step.tokens.values();
  ASSERT_EQ(cudaGraphLaunch(exec, stream), cudaSuccess);
  EXPECT_THROW(check_cuda_faults(0), Error);
  EXPECT_EQ(step.tokens.values(), tokens_before);
  EXPECT_EQ(cudaGraphExecDestroy(exec), cudaSuccess);
  EXPECT_EQ(cudaGraphDestroy(graph), cudaSuccess);
  EXPECT_EQ(cudaStreamDestroy(stream), cudaSuccess);
}

TEST_F(CudaNativeCapture, TheSynchronousFormRefusesACapturingStreamAndTheCaptureSurvives) {
  const GpuStep step;
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  ASSERT_EQ(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal), cudaSuccess);
  try {
    step.run(stream);
    ADD_FAILURE() << "the synchronous form ran on a capturing stream";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("cannot run while the stream is captured"), std::string::npos)
        << error.what();
  }
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  EXPECT_EQ(cudaStreamIsCapturing(stream, &status), cudaSuccess);
  EXPECT_EQ(status, cudaStreamCaptureStatusActive) << "the refusal invalidated the capture";
  cudaGraph_t graph = nullptr;
  EXPECT_EQ(cudaStreamEndCapture(stream, &graph), cudaSuccess);
  if (graph != nullptr) {
    EXPECT_EQ(cudaGraphDestroy(graph), cudaSuccess);
  }
  EXPECT_EQ(cudaStreamDestroy(stream), cudaSuccess);
}

}  // namespace
}  // namespace advstep::testing
