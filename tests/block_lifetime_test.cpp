// A block is an allocation, not an address: work queued on a block that is freed before it runs is
// refused even when the next aclrtMalloc hands out the same address, and a freed or past-the-end
// device address is refused (107000), never taken for host memory.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "acl/acl.h"
#include "aclnnop/aclnn_advance_step.h"
#include "support/call_case.hpp"

namespace advstep::testing {
namespace {

constexpr size_t kBytes = 256;

void* device_block(size_t bytes = kBytes) {
  void* block = nullptr;
  EXPECT_EQ(aclrtMalloc(&block, bytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
  return block;
}

std::vector<uint8_t> read_block(const void* block, size_t bytes = kBytes) {
  std::vector<uint8_t> host(bytes);
  EXPECT_EQ(aclrtMemcpy(host.data(), bytes, block, bytes, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
  return host;
}

/// A new block of @p bytes at @p wanted, a freed block's address: allocates until the runtime hands
/// that address out again (it hands out the lowest free range first) and frees the others.
void* allocate_at(void* wanted, size_t bytes) {
  std::vector<void*> others;
  void* found = nullptr;
  for (int attempt = 0; attempt < 10000 && found == nullptr; ++attempt) {
    void* block = device_block(bytes);
    if (block == nullptr) break;
    (block == wanted ? found : others.emplace_back()) = block;
  }
  for (void* other : others) EXPECT_EQ(aclrtFree(other), ACL_SUCCESS);
  EXPECT_EQ(found, wanted) << "the address was not handed out again; the test needs it to be";
  return found;
}

/// Frees @p block and gives its address to a new owner, whose bytes are 0x5a.
void* reallocate_same_address(void* block) {
  EXPECT_EQ(aclrtFree(block), ACL_SUCCESS);
  void* again = allocate_at(block, kBytes);
  EXPECT_EQ(aclrtMemset(again, kBytes, 0x5a, kBytes), ACL_SUCCESS);  // the new owner's bytes
  return again;
}

TEST(QueuedWorkOnAFreedBlock, CopyIntoItIsRefusedAndTheNewOwnerKeepsItsBytes) {
  const StreamHandle stream(true);
  void* block = device_block();
  const std::vector<uint8_t> source(kBytes, 0x11);
  ASSERT_EQ(aclrtMemcpyAsync(block, kBytes, source.data(), kBytes, ACL_MEMCPY_HOST_TO_DEVICE, stream.get()),
            ACL_SUCCESS);
  void* again = reallocate_same_address(block);
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpyAsync", {"dst's aclrtMalloc block was freed after the work was queued",
                                               "allocated again to another owner"}));
  EXPECT_EQ(read_block(again), std::vector<uint8_t>(kBytes, 0x5a));
  EXPECT_EQ(aclrtFree(again), ACL_SUCCESS);
}

TEST(QueuedWorkOnAFreedBlock, CopyOutOfItIsRefusedAndTheHostBufferIsUntouched) {
  const StreamHandle stream(true);
  void* block = device_block();
  std::vector<uint8_t> host(kBytes, 0x22);
  ASSERT_EQ(aclrtMemcpyAsync(host.data(), kBytes, block, kBytes, ACL_MEMCPY_DEVICE_TO_HOST, stream.get()), ACL_SUCCESS);
  void* again = reallocate_same_address(block);
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpyAsync", {"src's aclrtMalloc block was freed after the work was queued"}));
  EXPECT_EQ(host, std::vector<uint8_t>(kBytes, 0x22));
  EXPECT_EQ(aclrtFree(again), ACL_SUCCESS);
}

TEST(QueuedWorkOnAFreedBlock, FillIsRefusedAndTheNewOwnerKeepsItsBytes) {
  const StreamHandle stream(true);
  void* block = device_block();
  ASSERT_EQ(aclrtMemsetAsync(block, kBytes, 0x33, kBytes, stream.get()), ACL_SUCCESS);
  void* again = reallocate_same_address(block);
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemsetAsync", {"devPtr's aclrtMalloc block was freed after the work was queued"}));
  EXPECT_EQ(read_block(again), std::vector<uint8_t>(kBytes, 0x5a));
  EXPECT_EQ(aclrtFree(again), ACL_SUCCESS);
}

TEST(QueuedWorkOnAFreedBlock, FillOfABlockFreedAndNotReplacedIsRefused) {
  const StreamHandle stream(true);
  void* block = device_block();
  ASSERT_EQ(aclrtMemsetAsync(block, kBytes, 0x33, kBytes, stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtFree(block), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemsetAsync", {"devPtr must be 256 bytes of device memory", "no live block"}));
}

TEST(QueuedWorkOnAFreedBlock, CopyOfDefaultKindIntoAFreedBlockIsRefused) {
  const StreamHandle stream(true);
  void* block = device_block();
  const std::vector<uint8_t> source(kBytes, 0x44);
  ASSERT_EQ(aclrtMemcpyAsync(block, kBytes, source.data(), kBytes, ACL_MEMCPY_DEFAULT, stream.get()), ACL_SUCCESS);
  ASSERT_EQ(aclrtFree(block), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpyAsync", {"dst must be 256 bytes of device memory", "no live block"}));
}

TEST(QueuedWorkOnAFreedBlock, StepIsRefusedAndTheNewOwnerKeepsItsBytes) {
  CallCase c = CallCase::official_v1();
  const StreamHandle stream(true);
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACL_SUCCESS) << last_error_message();
  // The step's seqLens block is freed and its address handed to another owner before the sync.
  void* seq_lens = c.tensors[kSeqLens].address();
  const size_t bytes = c.tensors[kSeqLens].bytes();
  ASSERT_EQ(aclrtFree(seq_lens), ACL_SUCCESS);
  void* again = allocate_at(seq_lens, bytes);
  ASSERT_EQ(again, seq_lens);
  ASSERT_EQ(aclrtMemset(again, bytes, 0x5a, bytes), ACL_SUCCESS);
  const auto others = c.bytes();
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACLNN_ERR_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"seqLens's aclrtMalloc block was freed after the step was queued",
                                               "allocated again to another owner"}));
  EXPECT_EQ(c.bytes(), others);  // the new owner's bytes (seqLens' address) and every other tensor
  // The DeviceTensor frees its address at the end of the test: that frees the new block.
}

/// Plans @p c's step, then frees its seqLens block and hands the address to a new owner (0x5a bytes)
/// before the second phase; returns the new block.
void* replace_seq_lens_after_first_phase(CallCase& c) {
  EXPECT_EQ(c.plan_v1(), ACL_SUCCESS) << last_error_message();
  void* seq_lens = c.tensors[kSeqLens].address();
  const size_t bytes = c.tensors[kSeqLens].bytes();
  EXPECT_EQ(aclrtFree(seq_lens), ACL_SUCCESS);
  void* again = allocate_at(seq_lens, bytes);
  EXPECT_EQ(aclrtMemset(again, bytes, 0x5a, bytes), ACL_SUCCESS);
  return again;
}

// The memory check of the first phase accepted seqLens' block; the block is freed and its address
// handed to another owner before the second phase. The address, size and device all still pass a
// memory check, yet the block is not the one the step was planned on: nothing is written.
TEST(BlockFreedBetweenThePhases, EagerStepOnItsReplacementIsRefused) {
  CallCase c = CallCase::official_v1();
  const StreamHandle stream(false);
  ASSERT_EQ(replace_seq_lens_after_first_phase(c), c.tensors[kSeqLens].address());
  const auto before = c.bytes();
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACLNN_ERR_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"seqLens's aclrtMalloc block was freed after the first phase",
                                               "allocated again to another owner"}));
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(c.bytes(), before);  // the new owner's bytes and every other tensor
}

TEST(BlockFreedBetweenThePhases, DeferredStepOnItsReplacementIsRefusedAtSynchronisation) {
  CallCase c = CallCase::official_v1();
  const StreamHandle stream(true);
  ASSERT_EQ(replace_seq_lens_after_first_phase(c), c.tensors[kSeqLens].address());
  const auto before = c.bytes();
  ASSERT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACL_SUCCESS) << last_error_message();
  clear_messages();
  EXPECT_EQ(aclrtSynchronizeStream(stream.get()), ACLNN_ERR_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"seqLens's aclrtMalloc block was freed after the step was queued",
                                               "allocated again to another owner"}));
  EXPECT_EQ(c.bytes(), before);
}

// A repeatable executor re-pointed by a setter at another live block is checked again, and the new
// block is the one its later runs hold.
TEST(BlockFreedBetweenThePhases, SetterMovesTheHeldBlock) {
  CallCase c = CallCase::official_v1();
  const StreamHandle stream(false);
  ASSERT_EQ(c.plan_v1(), ACL_SUCCESS) << last_error_message();
  ASSERT_EQ(aclSetAclOpExecutorRepeatable(c.executor), ACL_SUCCESS);
  const size_t bytes = c.tensors[kSeqLens].bytes();
  void* moved = device_block(bytes);
  ASSERT_EQ(aclrtMemcpy(moved, bytes, c.tensors[kSeqLens].address(), bytes, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_SUCCESS);
  ASSERT_EQ(aclSetInputTensorAddr(c.executor, kSeqLens, nullptr, moved), ACL_SUCCESS) << last_error_message();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACL_SUCCESS) << last_error_message();
  // The original block is no longer the executor's: freeing it changes nothing for the next run.
  void* original = c.tensors[kSeqLens].address();
  ASSERT_EQ(aclrtFree(original), ACL_SUCCESS);
  void* again = allocate_at(original, bytes);
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACL_SUCCESS) << last_error_message();
  // The moved block is: freed and handed out again, it is refused.
  ASSERT_EQ(aclrtFree(moved), ACL_SUCCESS);
  void* replacement = allocate_at(moved, bytes);
  clear_messages();
  EXPECT_EQ(aclnnAdvanceStep(nullptr, 0, c.executor, stream.get()), ACLNN_ERR_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclnnAdvanceStep", {"seqLens's aclrtMalloc block was freed after the first phase"}));
  EXPECT_EQ(aclDestroyAclOpExecutor(c.executor), ACL_SUCCESS);
  c.executor = nullptr;
  EXPECT_EQ(aclrtFree(replacement), ACL_SUCCESS);
  (void)again;  // the DeviceTensor frees the original address at the end of the test
}

TEST(FreedDeviceAddress, MemsetIsRefusedNotTakenForHostMemory) {
  void* block = device_block();
  ASSERT_EQ(aclrtFree(block), ACL_SUCCESS);
  clear_messages();
  EXPECT_EQ(aclrtMemset(block, kBytes, 0x66, kBytes), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemset", {"devPtr must be 256 bytes of device memory", "no live block"}));
}

TEST(FreedDeviceAddress, DefaultCopyIsRefusedBothWays) {
  void* block = device_block();
  ASSERT_EQ(aclrtFree(block), ACL_SUCCESS);
  std::vector<uint8_t> host(kBytes, 0x77);
  clear_messages();
  EXPECT_EQ(aclrtMemcpy(block, kBytes, host.data(), kBytes, ACL_MEMCPY_DEFAULT), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"dst must be 256 bytes of device memory", "no live block"}));
  EXPECT_EQ(aclrtMemcpy(host.data(), kBytes, block, kBytes, ACL_MEMCPY_DEFAULT), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"src must be 256 bytes of device memory", "no live block"}));
  EXPECT_EQ(host, std::vector<uint8_t>(kBytes, 0x77));
  // Even a kind that names host memory does not make a device address host memory.
  EXPECT_EQ(aclrtMemcpy(block, kBytes, host.data(), kBytes, ACL_MEMCPY_HOST_TO_HOST), ACL_ERROR_RT_PARAM_INVALID);
  clear_messages();
}

TEST(PastTheEndDeviceAddress, MemsetStartingAtTheEndIsRefused) {
  constexpr size_t kOdd = 40;  // not a multiple of any page or alignment
  void* block = device_block(kOdd);
  auto* end = static_cast<uint8_t*>(block) + kOdd;
  clear_messages();
  EXPECT_EQ(aclrtMemset(end, 64, 1, 64), ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemset", {"devPtr must be 64 bytes of device memory", "past a block's end"}));
  EXPECT_EQ(aclrtMemset(end + 4096, 8, 1, 8), ACL_ERROR_RT_PARAM_INVALID);
  clear_messages();
  EXPECT_EQ(aclrtMemset(block, kOdd, 2, kOdd + 1), ACL_ERROR_RT_PARAM_INVALID);  // count > maxCount
  clear_messages();
  EXPECT_EQ(aclrtMemset(block, kOdd + 1, 2, kOdd + 1), ACL_ERROR_RT_PARAM_INVALID);  // one byte past the end
  EXPECT_TRUE(message_has("aclrtMemset", {"40 bytes left in a block of 40"}));
  EXPECT_EQ(aclrtFree(block), ACL_SUCCESS);
}

TEST(PastTheEndDeviceAddress, DefaultCopyIsRefused) {
  void* block = device_block();
  const std::vector<uint8_t> host(8, 1);
  clear_messages();
  EXPECT_EQ(aclrtMemcpy(static_cast<uint8_t*>(block) + kBytes, 8, host.data(), 8, ACL_MEMCPY_DEFAULT),
            ACL_ERROR_RT_PARAM_INVALID);
  EXPECT_TRUE(message_has("aclrtMemcpy", {"dst must be 8 bytes of device memory"}));
  EXPECT_EQ(aclrtFree(block), ACL_SUCCESS);
}

TEST(HostMemory, MemsetAndDefaultCopyStillWorkOnIt) {
  std::vector<uint8_t> host(16, 0);
  const std::vector<uint8_t> ones(16, 1);
  EXPECT_EQ(aclrtMemset(host.data(), 16, 7, 16), ACL_SUCCESS);
  EXPECT_EQ(host, std::vector<uint8_t>(16, 7));
  EXPECT_EQ(aclrtMemcpy(host.data(), 16, ones.data(), 16, ACL_MEMCPY_DEFAULT), ACL_SUCCESS);
  EXPECT_EQ(host, ones);
}

}  // namespace
}  // namespace advstep::testing
