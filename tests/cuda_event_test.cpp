// ACL events, contexts and memory info on a GPU: events are cudaEvent_t, waits are
// cudaStreamWaitEvent, times are cudaEventElapsedTime, a context's device is CUDA's current device.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "acl/acl.h"
#include "cuda_support/gpu_support.hpp"
#include "support/call_case.hpp"
#include "support/event_handle.hpp"

namespace advstep::testing {
namespace {

class CudaEvents : public GpuTest {};

/// A host function that holds its stream until the test opens the gate.
void wait_for_gate(void* gate) {
  auto* open = static_cast<std::atomic<bool>*>(gate);
  while (!open->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void pause_20ms(void* /*args*/) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

TEST_F(CudaEvents, TheHandleIsACudaEvent) {
  const EventHandle event;
  EXPECT_EQ(cudaEventQuery(static_cast<cudaEvent_t>(event.get())), cudaSuccess);
  const EventHandle untimed(ACL_EVENT_SYNC);
  float ms = 0.0F;
  EXPECT_EQ(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(untimed.get()), static_cast<cudaEvent_t>(event.get())),
            cudaErrorInvalidResourceHandle)
      << "made with cudaEventDisableTiming";
  (void)cudaGetLastError();
}

TEST_F(CudaEvents, StatusFollowsTheGpu) {
  const StreamHandle stream;
  const EventHandle event;
  std::atomic<bool> gate{false};
  ASSERT_EQ(aclrtLaunchHostFunc(stream.get(), wait_for_gate, &gate), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclrtRecordEvent(event.get(), stream.get()), ACL_SUCCESS);
  const StreamHandle waiter;
  ASSERT_EQ(aclrtStreamWaitEvent(waiter.get(), event.get()), ACL_SUCCESS);
  EXPECT_EQ(recorded_status(event.get()), ACL_EVENT_RECORDED_STATUS_NOT_READY);
  aclrtEventWaitStatus waited = ACL_EVENT_WAIT_STATUS_COMPLETE;
  ASSERT_EQ(aclrtQueryEventWaitStatus(event.get(), &waited), ACL_SUCCESS);
  EXPECT_EQ(waited, ACL_EVENT_WAIT_STATUS_NOT_READY);
  float ms = 0.0F;
  clear_messages();
  EXPECT_EQ(aclrtEventElapsedTime(&ms, event.get(), event.get()), ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID);
  EXPECT_TRUE(message_has("aclrtEventElapsedTime", {"must have completed"}));
  gate.store(true);
  ASSERT_EQ(aclrtSynchronizeEvent(event.get()), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(recorded_status(event.get()), ACL_EVENT_RECORDED_STATUS_COMPLETE);
  ASSERT_EQ(aclrtSynchronizeStream(waiter.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtQueryEventWaitStatus(event.get(), &waited), ACL_SUCCESS);
  EXPECT_EQ(waited, ACL_EVENT_WAIT_STATUS_COMPLETE);
}

TEST_F(CudaEvents, ElapsedTimeIsTheGpusTime) {
  const StreamHandle stream;
  const EventHandle start;
  const EventHandle end;
  ASSERT_EQ(aclrtRecordEvent(start.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtLaunchHostFunc(stream.get(), pause_20ms, nullptr), ACL_SUCCESS);
  ASSERT_EQ(aclrtRecordEvent(end.get(), stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS);
  float ms = 0.0F;
  ASSERT_EQ(aclrtEventElapsedTime(&ms, start.get(), end.get()), ACL_SUCCESS) << last_error_message();
  float cuda_ms = 0.0F;
  ASSERT_EQ(cudaEventElapsedTime(&cuda_ms, static_cast<cudaEvent_t>(start.get()), static_cast<cudaEvent_t>(end.get())),
            cudaSuccess);
  EXPECT_EQ(ms, cuda_ms);
  EXPECT_GE(ms, 19.5F);
}

TEST_F(CudaEvents, StreamWaitEventOrdersTwoGpuStreams) {
  constexpr size_t kBytes = 1 << 20;
  void* source = nullptr;
  void* seen = nullptr;  // pinned: a copy to pageable memory would block this thread before the gate opens
  void* buffer = nullptr;
  ASSERT_EQ(aclrtMallocHost(&source, kBytes), ACL_SUCCESS);
  ASSERT_EQ(aclrtMallocHost(&seen, kBytes), ACL_SUCCESS);
  ASSERT_EQ(aclrtMalloc(&buffer, kBytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  ASSERT_EQ(aclrtMemset(buffer, kBytes, 0, kBytes), ACL_SUCCESS);
  std::memset(source, 0x5a, kBytes);
  std::memset(seen, 0, kBytes);
  {
    const StreamHandle a;
    const StreamHandle b;
    const EventHandle event;
    std::atomic<bool> gate{false};
    // A is held until B has queued its read: only the wait keeps B's read after A's write.
    ASSERT_EQ(aclrtLaunchHostFunc(a.get(), wait_for_gate, &gate), ACL_SUCCESS);
    ASSERT_EQ(aclrtMemcpyAsync(buffer, kBytes, source, kBytes, ACL_MEMCPY_HOST_TO_DEVICE, a.get()), ACL_SUCCESS);
    ASSERT_EQ(aclrtRecordEvent(event.get(), a.get()), ACL_SUCCESS);
    ASSERT_EQ(aclrtStreamWaitEvent(b.get(), event.get()), ACL_SUCCESS);
    ASSERT_EQ(aclrtMemcpyAsync(seen, kBytes, buffer, kBytes, ACL_MEMCPY_DEVICE_TO_HOST, b.get()), ACL_SUCCESS);
    gate.store(true);
    ASSERT_EQ(aclrtSynchronizeStream(b.get()), ACL_SUCCESS);
  }
  const std::vector<uint8_t> want(kBytes, 0x5a);
  EXPECT_EQ(std::memcmp(seen, want.data(), kBytes), 0);
  EXPECT_EQ(aclrtFree(buffer), ACL_SUCCESS);
  EXPECT_EQ(aclrtFreeHost(seen), ACL_SUCCESS);
  EXPECT_EQ(aclrtFreeHost(source), ACL_SUCCESS);
}

TEST_F(CudaEvents, ContextsSetCudasCurrentDevice) {
  int gpus = 0;
  ASSERT_EQ(cudaGetDeviceCount(&gpus), cudaSuccess);
  const int32_t last = gpus - 1;
  aclrtContext context = nullptr;
  ASSERT_EQ(aclrtCreateContext(&context, last), ACL_SUCCESS) << last_error_message();
  int device = -1;
  ASSERT_EQ(cudaGetDevice(&device), cudaSuccess);
  EXPECT_EQ(device, last);
  ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
  ASSERT_EQ(aclrtSetCurrentContext(context), ACL_SUCCESS);
  ASSERT_EQ(cudaGetDevice(&device), cudaSuccess);
  EXPECT_EQ(device, last);
  EXPECT_EQ(aclrtDestroyContext(context), ACL_SUCCESS);
  EXPECT_EQ(aclrtSetDevice(0), ACL_SUCCESS);
}

TEST_F(CudaEvents, MemInfoIsCudaMemGetInfo) {
  size_t free = 0;
  size_t total = 0;
  ASSERT_EQ(aclrtGetMemInfo(ACL_HBM_MEM, &free, &total), ACL_SUCCESS) << last_error_message();
  size_t cuda_free = 0;
  size_t cuda_total = 0;
  ASSERT_EQ(cudaMemGetInfo(&cuda_free, &cuda_total), cudaSuccess);
  EXPECT_EQ(total, cuda_total);
  EXPECT_GT(free, 0u);
  EXPECT_LE(free, total);
}

}  // namespace
}  // namespace advstep::testing
