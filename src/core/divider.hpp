// Division of non-negative int64 values by a fixed positive divisor without a hardware divide.
#pragma once

#include <cstdint>

#include "core/host_device.hpp"

namespace advstep::core {

__extension__ using Uint128 = unsigned __int128;

/// Quotient and remainder of n / d for 0 <= n < 2^63 and a fixed 1 <= d < 2^63.
///
/// With l = ceil(log2 d) and m = ceil(2^(63+l) / d), m*d - 2^(63+l) < d <= 2^l, so by Granlund and
/// Montgomery's bound floor(n / d) = floor(m * n / 2^(63+l)) for every 63-bit n. m < 2^64 always,
/// and a power of two gets m = 2^63, which makes the product a plain shift.
///
/// Since n < 2^63, 2n fits in 64 bits and m * n / 2^(63+l) = m * 2n / 2^(64+l): the quotient is the
/// high word of m * 2n shifted right by l, one multiply and one shift with no branch on l (on the host).
class Divider {
 public:
  Divider() = default;
  explicit Divider(int64_t divisor) : divisor_(divisor) {
    const auto d = static_cast<uint64_t>(divisor);
    uint32_t l = 0;
    while (l < 63 && (uint64_t{1} << l) < d) ++l;
    shift_ = 63 + l;
    // m = ceil(2^(63+l) / d), computed in 128 bits on the host (construction happens once per plan).
    const Uint128 numerator = static_cast<Uint128>(1) << shift_;
    multiplier_ = static_cast<uint64_t>((numerator + d - 1) / d);
  }

  ADVSTEP_HOST_DEVICE int64_t quotient(int64_t n) const {
#if defined(__CUDA_ARCH__)
    // The device keeps the product's two words and a branch on the shift: the one-shift form below
    // makes ptxas spill in some kernels for sm_80 (-warn-spills), whose register use is near the edge.
    const auto un = static_cast<uint64_t>(n);
    const uint64_t hi = __umul64hi(multiplier_, un);
    const uint64_t lo = multiplier_ * un;
    return static_cast<int64_t>(shift_ >= 64 ? hi >> (shift_ - 64) : (hi << (64 - shift_)) | (lo >> shift_));
#else
    const uint64_t twice = static_cast<uint64_t>(n) << 1;
    const auto hi = static_cast<uint64_t>((static_cast<Uint128>(multiplier_) * twice) >> 64);
    return static_cast<int64_t>(hi >> (shift_ - 63));
#endif
  }

  ADVSTEP_HOST_DEVICE int64_t divisor() const { return divisor_; }

 private:
  int64_t divisor_ = 1;
  uint64_t multiplier_ = uint64_t{1} << 63;
  uint32_t shift_ = 63;  ///< 63 + l
};

}  // namespace advstep::core
