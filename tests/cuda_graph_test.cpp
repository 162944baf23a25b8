// aclnnAdvanceStep's launch captured into a CUDA graph and replayed: the launch path allocates
// nothing and never synchronises, and each launch restores the fault record's scratch itself, so a
// replay behaves like a fresh launch, faults included.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "aclnnop/aclnn_advance_step.h"
#include "cuda_support/gpu_support.hpp"
#include "cuda_support/plain_case.hpp"

namespace advstep::testing {
namespace {

/// A repeatable executor's launch, captured on @p stream.
class CapturedStep {
 public:
  CapturedStep(const PlainCase& step, aclrtStream stream) : stream_(static_cast<cudaStream_t>(stream)) {
    if (step.plan(executor_) != ACL_SUCCESS || aclSetAclOpExecutorRepeatable(executor_) != ACL_SUCCESS) return;
    if (cudaStreamBeginCapture(stream_, cudaStreamCaptureModeGlobal) != cudaSuccess) return;
    launch_status_ = aclnnAdvanceStep(nullptr, 0, executor_, stream);
    capture_status_ = cudaStreamEndCapture(stream_, &graph_);
    if (capture_status_ == cudaSuccess) capture_status_ = cudaGraphInstantiate(&exec_, graph_, 0);
  }
  ~CapturedStep() {
    if (exec_ != nullptr) (void)cudaGraphExecDestroy(exec_);
    if (graph_ != nullptr) (void)cudaGraphDestroy(graph_);
    if (executor_ != nullptr) (void)aclDestroyAclOpExecutor(executor_);
  }
  CapturedStep(const CapturedStep&) = delete;
  CapturedStep& operator=(const CapturedStep&) = delete;

  [[nodiscard]] bool ready() const { return exec_ != nullptr && launch_status_ == ACL_SUCCESS; }
  [[nodiscard]] std::string why_not() const {
    return "aclnnAdvanceStep " + std::to_string(launch_status_) + ", capture " + cuda_error_text(capture_status_);
  }
  [[nodiscard]] cudaError_t replay() const { return cudaGraphLaunch(exec_, stream_); }
  [[nodiscard]] cudaError_t replay_on(aclrtStream stream) const {
    return cudaGraphLaunch(exec_, static_cast<cudaStream_t>(stream));
  }

 private:
  cudaStream_t stream_;
  aclOpExecutor* executor_ = nullptr;
  aclnnStatus launch_status_ = -1;
  cudaError_t capture_status_ = cudaErrorUnknown;
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
};

class CudaGraph : public GpuTest, public ::testing::WithParamInterface<int64_t> {};

TEST_P(CudaGraph, CapturedLaunchReplaysAsSteps) {
  const PlainCase step(GetParam());
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  {
    const auto before = step.bytes();
    const CapturedStep captured(step, stream);
    ASSERT_TRUE(captured.ready()) << captured.why_not() << " " << aclGetRecentErrMsg();
    ASSERT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS) << aclGetRecentErrMsg();
    EXPECT_EQ(step.bytes(), before) << "capturing ran the kernels";

    for (int64_t round = 1; round <= 3; ++round) {
      ASSERT_EQ(captured.replay(), cudaSuccess);
      ASSERT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS) << aclGetRecentErrMsg();
      std::vector<int64_t> lens_before = step.seq_lens;  // query rows advanced round - 1 times
      for (int64_t i = 0; i < step.q; ++i) lens_before[static_cast<size_t>(i)] += round - 1;
      ASSERT_EQ(step.step_mismatch(lens_before), "") << "round " << round;
    }
  }
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
}

TEST_P(CudaGraph, AFaultInAReplayIsReportedOnceAndWritesNothing) {
  const PlainCase step(GetParam());
  aclrtStream stream = nullptr;
  ASSERT_EQ(aclrtCreateStream(&stream), ACL_SUCCESS);
  {
    const CapturedStep captured(step, stream);
    ASSERT_TRUE(captured.ready()) << captured.why_not() << " " << aclGetRecentErrMsg();
    std::vector<int64_t> lens = step.seq_lens;
    const int64_t bad = step.q - 2;
    lens[static_cast<size_t>(bad)] = -3;
    const size_t bytes = lens.size() * sizeof(int64_t);
    ASSERT_EQ(aclrtMemcpy(step.seq.address(), bytes, lens.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
    const auto before = step.bytes();

    ASSERT_EQ(captured.replay(), cudaSuccess);
    EXPECT_EQ(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_EXCEPTION);
    const std::string message = aclGetRecentErrMsg();
    EXPECT_NE(message.find("data fault in sequence " + std::to_string(bad) + ":"), std::string::npos) << message;
    EXPECT_EQ(step.bytes(), before);
    EXPECT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS) << "reported once";

    // Repaired, the same graph advances every row again.
    lens[static_cast<size_t>(bad)] = 0;
    ASSERT_EQ(aclrtMemcpy(step.seq.address(), bytes, lens.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
    ASSERT_EQ(captured.replay(), cudaSuccess);
    ASSERT_EQ(aclrtSynchronizeStream(stream), ACL_SUCCESS) << aclGetRecentErrMsg();
    EXPECT_EQ(step.seq.values()[static_cast<size_t>(bad)], 1);
  }
  EXPECT_EQ(aclrtDestroyStream(stream), ACL_SUCCESS);
}

/// @p step's length of row @p row set to -3 on the device, so that its next launch faults there.
void plant_fault(const PlainCase& step, int64_t row) {
  std::vector<int64_t> lens = step.seq.values();
  lens[static_cast<size_t>(row)] = -3;
  const size_t bytes = lens.size() * sizeof(int64_t);
  ASSERT_EQ(aclrtMemcpy(step.seq.address(), bytes, lens.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
}

TEST_P(CudaGraph, ConcurrentReplaysOfTwoGraphsKeepTheirOwnVerdicts) {
  // Two graphs captured on one stream, replayed at once on two others, next to eager launches of a
  // third step on the capture stream: the valid replays write every time, the faulty never.
  const PlainCase valid(GetParam()), faulty(GetParam()), eager(GetParam());
  aclrtStream capture = nullptr, first = nullptr, second = nullptr;
  ASSERT_EQ(aclrtCreateStream(&capture), ACL_SUCCESS);
  ASSERT_EQ(aclrtCreateStream(&first), ACL_SUCCESS);
  ASSERT_EQ(aclrtCreateStream(&second), ACL_SUCCESS);
  {
    const CapturedStep valid_graph(valid, capture), faulty_graph(faulty, capture);
    ASSERT_TRUE(valid_graph.ready() && faulty_graph.ready()) << valid_graph.why_not() << " " << faulty_graph.why_not();
    plant_fault(faulty, faulty.q / 2);
    const auto faulty_before = faulty.bytes();
    for (int64_t round = 1; round <= 3; ++round) {
      ASSERT_EQ(faulty_graph.replay_on(second), cudaSuccess);
      ASSERT_EQ(valid_graph.replay_on(first), cudaSuccess);
      ASSERT_EQ(eager.launch(capture), ACL_SUCCESS) << aclGetRecentErrMsg();
      ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
      const std::vector<int64_t> seq = valid.seq.values(), eager_seq = eager.seq.values();
      for (int64_t i = 0; i < valid.q; ++i) {
        ASSERT_EQ(seq[static_cast<size_t>(i)], valid.seq_lens[static_cast<size_t>(i)] + round) << "row " << i;
        ASSERT_EQ(eager_seq[static_cast<size_t>(i)], eager.seq_lens[static_cast<size_t>(i)] + round) << "row " << i;
      }
      ASSERT_EQ(faulty.bytes(), faulty_before) << "a faulty replay wrote, round " << round;
    }
    // The capture stream reports the faulty graph's first fault, with its two later replays counted.
    EXPECT_EQ(aclrtSynchronizeStream(capture), ACL_ERROR_RT_AICORE_EXCEPTION);
    const std::string message = aclGetRecentErrMsg();
    EXPECT_NE(message.find("data fault in sequence " + std::to_string(faulty.q / 2) + ":"), std::string::npos) << message;
    EXPECT_NE(message.find("; 2 later launches"), std::string::npos) << message;
    EXPECT_EQ(aclrtSynchronizeStream(capture), ACL_SUCCESS) << "reported once";
  }
  EXPECT_EQ(aclrtDestroyStream(first), ACL_SUCCESS);
  EXPECT_EQ(aclrtDestroyStream(second), ACL_SUCCESS);
  EXPECT_EQ(aclrtDestroyStream(capture), ACL_SUCCESS);
}

TEST_P(CudaGraph, AGraphReplayedAfterItsCaptureStreamIsDestroyedTouchesNoFreedMemory) {
  // Capture on S, destroy S, let the allocator hand out memory again, replay: the launch's record
  // outlives S (compute-sanitizer's memcheck run watches the atomics).
  const PlainCase step(GetParam());
  aclrtStream capture = nullptr, replay = nullptr;
  ASSERT_EQ(aclrtCreateStream(&capture), ACL_SUCCESS);
  ASSERT_EQ(aclrtCreateStream(&replay), ACL_SUCCESS);
  {
    const CapturedStep captured(step, capture);
    ASSERT_TRUE(captured.ready()) << captured.why_not();
    ASSERT_EQ(aclrtDestroyStream(capture), ACL_SUCCESS);
    std::vector<void*> blocks(64, nullptr);
    for (void*& block : blocks) ASSERT_EQ(aclrtMalloc(&block, 4096, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
    for (void* block : blocks) ASSERT_EQ(aclrtMemset(block, 4096, 0x7F, 4096), ACL_SUCCESS);
    ASSERT_EQ(captured.replay_on(replay), cudaSuccess);
    ASSERT_EQ(cudaStreamSynchronize(static_cast<cudaStream_t>(replay)), cudaSuccess);
    EXPECT_EQ(step.seq.values()[0], step.seq_lens[0] + 1);
    for (void* block : blocks) {
      std::vector<unsigned char> bytes(4096);
      ASSERT_EQ(aclrtMemcpy(bytes.data(), bytes.size(), block, 4096, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
      EXPECT_EQ(bytes, std::vector<unsigned char>(4096, 0x7F)) << "a replay wrote into memory allocated after its stream";
      EXPECT_EQ(aclrtFree(block), ACL_SUCCESS);
    }
  }
  EXPECT_EQ(aclrtDestroyStream(replay), ACL_SUCCESS);
}

// One block (64 rows) and the check + write passes (10^5 rows).
INSTANTIATE_TEST_SUITE_P(Sizes, CudaGraph, ::testing::Values(64, 100000));

}  // namespace
}  // namespace advstep::testing
