// aclrtFree on one thread while copies and fills run on the block on another: the free waits for the
// work that checked the block, and work that checks after the free is refused (107000). A write after
// the release would fault: freed device pages are made inaccessible. Runs under TSan too.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "acl/acl.h"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

constexpr size_t kBlockBytes = size_t{1} << 20;  // long enough for a copy to be under way at the free
constexpr int kRounds = 60;

/// Runs @p work on the current block on one thread while this thread frees it and publishes a new
/// one, @p kRounds times; every result of @p work must be success or ACL_ERROR_RT_PARAM_INVALID.
void free_under(const std::function<aclError(void* block)>& work) {
  void* first = nullptr;
  ASSERT_EQ(aclrtMalloc(&first, kBlockBytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  std::atomic<void*> current{first};
  std::atomic<bool> done{false};
  std::atomic<int> unexpected{0};
  std::atomic<int> finished{0};
  std::thread worker([&] {
    int32_t device = 0;
    (void)aclrtSetDevice(device);
    while (!done.load(std::memory_order_acquire)) {
      const aclError result = work(current.load(std::memory_order_acquire));
      if (result != ACL_SUCCESS && result != ACL_ERROR_RT_PARAM_INVALID) unexpected.fetch_add(1);
      finished.fetch_add(1);
      (void)aclGetRecentErrMsg();
    }
  });
  for (int round = 0; round < kRounds; ++round) {
    while (finished.load() < round) std::this_thread::yield();  // the worker keeps up: a call per round at least
    void* next = nullptr;
    ASSERT_EQ(aclrtMalloc(&next, kBlockBytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
    void* old = current.exchange(next, std::memory_order_acq_rel);
    std::this_thread::yield();
    EXPECT_EQ(aclrtFree(old), ACL_SUCCESS);
  }
  done.store(true, std::memory_order_release);
  worker.join();
  EXPECT_EQ(aclrtFree(current.load()), ACL_SUCCESS);
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GT(finished.load(), 0);
}

TEST(FreeUnderWork, CopyIntoTheBlock) {
  const std::vector<uint8_t> host(kBlockBytes, 1);
  free_under([&](void* block) {
    return aclrtMemcpy(block, kBlockBytes, host.data(), kBlockBytes, ACL_MEMCPY_HOST_TO_DEVICE);
  });
}

TEST(FreeUnderWork, CopyOutOfTheBlock) {
  std::vector<uint8_t> host(kBlockBytes, 1);
  free_under([&](void* block) {
    return aclrtMemcpy(host.data(), kBlockBytes, block, kBlockBytes, ACL_MEMCPY_DEVICE_TO_HOST);
  });
}

TEST(FreeUnderWork, DefaultKindCopyIntoTheBlock) {
  const std::vector<uint8_t> host(kBlockBytes, 1);
  free_under([&](void* block) { return aclrtMemcpy(block, kBlockBytes, host.data(), kBlockBytes, ACL_MEMCPY_DEFAULT); });
}

TEST(FreeUnderWork, FillOfTheBlock) {
  free_under([&](void* block) { return aclrtMemset(block, kBlockBytes, 7, kBlockBytes); });
}

TEST(FreeUnderWork, DeferredCopyAndFillSynchronisedOnTheWorkerThread) {
  const StreamHandle stream(true);  // made here: StreamHandle sets the environment for the creation
  const std::vector<uint8_t> host(kBlockBytes, 1);
  free_under([&](void* block) {
    aclError queued = aclrtMemcpyAsync(block, kBlockBytes, host.data(), kBlockBytes, ACL_MEMCPY_HOST_TO_DEVICE,
                                       stream.get());
    if (queued == ACL_SUCCESS) queued = aclrtMemsetAsync(block, kBlockBytes, 3, kBlockBytes, stream.get());
    const aclError synced = aclrtSynchronizeStream(stream.get());
    return queued != ACL_SUCCESS ? queued : synced;
  });
}

}  // namespace
}  // namespace advstep::testing
