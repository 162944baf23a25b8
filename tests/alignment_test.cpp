// Misaligned tensors are refused by the plan on every backend (161002), with the tensor's name and
// its address modulo the element size: the CPU would read them, a GPU would lose its context.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "advstep/advance_step.hpp"
#include "support/call_case.hpp"
#include "support/device_tensor.hpp"

namespace advstep::testing {
namespace {

constexpr bool kV1 = false;
constexpr bool kV2 = true;
constexpr int32_t kInvalid = 161002;

/// @p address moved by @p bytes.
void* shifted(void* address, int64_t bytes) {
  return static_cast<char*>(address) + bytes;
}

TEST(Alignment, Int64TensorFourBytesIntoItsBlockIsRefused) {
  CallCase c = CallCase::official_v1();
  // Nine elements, viewed as eight from byte 4: inside the block, but every element straddles two.
  const DeviceTensor block(std::vector<int64_t>(9, 0), {9});
  const TensorPtr slots = make_tensor(shifted(block.address(), 4), {8, 1});
  c.use(kSlots, slots.get());
  const auto before = block.raw();
  EXPECT_TRUE(c.refused(
      kV1, kInvalid,
      {"slotMapping must be aligned to its 8-byte elements", "expected an address that is 0 mod 8", ", 4 mod 8)"}));
  EXPECT_EQ(block.raw(), before);
}

TEST(Alignment, EveryByteShiftIsNamed) {
  for (int64_t shift = 1; shift < 8; ++shift) {
    CallCase c = CallCase::official_v1();
    const DeviceTensor block(std::vector<int64_t>(5, 0), {5});
    const TensorPtr sampled = make_tensor(shifted(block.address(), shift), {4, 1});
    c.use(kSampled, sampled.get());
    const std::string got = ", " + std::to_string(shift) + " mod 8)";
    EXPECT_TRUE(c.refused(kV1, kInvalid, {"sampledTokenIds must be aligned", got}));
  }
}

TEST(Alignment, OptionalSpeculativeTensorIsChecked) {
  CallCase c = CallCase::speculative_v2();
  const DeviceTensor block(std::vector<int64_t>(3, 0), {3});
  const TensorPtr accepted = make_tensor(shifted(block.address(), 2), {2});
  c.use(kAccepted, accepted.get());
  EXPECT_TRUE(c.refused(kV2, kInvalid, {"acceptedNumOptional must be aligned to its 8-byte elements", ", 2 mod 8)"}));
}

TEST(Alignment, AlignedOffsetIntoABlockRuns) {
  CallCase c = CallCase::official_v1();
  const DeviceTensor block(std::vector<int64_t>(9, 0), {9});
  const TensorPtr slots = make_tensor(block.address(), {8, 1}, {}, 1);  // one whole element in
  c.use(kSlots, slots.get());
  EXPECT_TRUE(c.runs(kV1));
}

TEST(Alignment, NativeInt32SeqLensTwoBytesOffIsRefusedAndNothingIsWritten) {
  std::vector<int64_t> tokens{0, 0}, sampled{5, 6}, positions{3, 4}, slots{0, 0}, tables{0, 1};
  std::vector<int32_t> seq_lens_storage{4, 5, 0};
  // seq_lens two bytes into its storage: a 4-byte element at an address that is 2 mod 4.
  TensorView seq_lens = view(seq_lens_storage.data(), {2});
  seq_lens.data = shifted(seq_lens_storage.data(), 2);
  const auto positions_before = positions;
  try {
    advance_step(DecodeStep{view(tokens.data(), {2}), view(sampled.data(), {2, 1}), view(positions.data(), {2}),
                            seq_lens, view(slots.data(), {2}), view(tables.data(), {2, 1}), 2, 2, 16});
    FAIL() << "a misaligned seq_lens ran";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), StatusCode::kInvalidArgument);
    const std::string message = error.what();
    EXPECT_NE(message.find("seq_lens must be aligned to its 4-byte elements"), std::string::npos) << message;
    EXPECT_NE(message.find(", 2 mod 4)"), std::string::npos) << message;
  }
  EXPECT_EQ(positions, positions_before);
  EXPECT_EQ(tokens, (std::vector<int64_t>{0, 0}));
  // The same step on the aligned elements runs (tests/cuda_contracts_test.cpp repeats it on a GPU).
  advance_step(DecodeStep{view(tokens.data(), {2}), view(sampled.data(), {2, 1}), view(positions.data(), {2}),
                          view(seq_lens_storage.data(), {2}), view(slots.data(), {2}), view(tables.data(), {2, 1}), 2,
                          2, 16});
  EXPECT_EQ(tokens, (std::vector<int64_t>{5, 6}));
}

}  // namespace
}  // namespace advstep::testing
