// core::Divider, the multiply-and-shift that every kernel uses in place of a hardware divide: its
// quotient must equal n / d for every 0 <= n < 2^63 and 1 <= d < 2^63. Checked at the edges the
// proof turns on (d a power of two and one either side of it, n near multiples of d and near 2^63)
// and on seeded random pairs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/divider.hpp"

namespace advstep::testing {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

void expect_exact(int64_t d, int64_t n) {
  const core::Divider divider(d);
  ASSERT_EQ(divider.quotient(n), n / d) << "n = " << n << ", d = " << d;
}

std::vector<int64_t> edge_divisors() {
  std::vector<int64_t> divisors = {1, 2, 3, 5, 7, 16, 48, 100, 128, 1000, 4096, 1000003, kMax - 1, kMax};
  for (int bit = 1; bit < 63; ++bit) {
    const int64_t power = int64_t{1} << bit;
    divisors.insert(divisors.end(), {power - 1, power, power + 1});
  }
  return divisors;
}

TEST(Divider, ExactAtTheEdgesOfEveryDivisorAndOfInt64) {
  for (const int64_t d : edge_divisors()) {
    for (const int64_t n : {int64_t{0}, int64_t{1}, d - 1, d, kMax - 1, kMax, kMax - d, kMax / 2}) {
      if (n >= 0) expect_exact(d, n);
    }
    // Around the last few multiples of d below 2^63 and the first few above 0.
    for (int64_t k = 1; k <= 3; ++k) {
      if (k > kMax / d) break;
      const int64_t top = (kMax / d - k + 1) * d;  // the k-th multiple of d from the top, >= d
      for (const int64_t n : {top - 1, top, k * d - 1, k * d}) expect_exact(d, n);
      if (top < kMax) expect_exact(d, top + 1);
    }
  }
}

TEST(Divider, ExactOnSeededRandomPairs) {
  std::mt19937_64 random(20);
  for (int trial = 0; trial < 200000; ++trial) {
    // Divisors and numerators of every magnitude: a random bit length, then random bits below it.
    const int d_bits = 1 + static_cast<int>(random() % 63);
    const int n_bits = 1 + static_cast<int>(random() % 63);
    const int64_t d = std::max<int64_t>(1, static_cast<int64_t>(random() >> (64 - d_bits)));
    const auto n = static_cast<int64_t>(random() >> (64 - n_bits));
    expect_exact(d, n);
  }
}

}  // namespace
}  // namespace advstep::testing
