// StatusCode is a closed set: every code the library returns is named, and no other integer becomes one.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "advstep/status.hpp"

namespace advstep {
namespace {

TEST(StatusCodes, EveryNamedCodeComesBackFromItsNumber) {
  std::set<int32_t> seen;
  for (const StatusCode code : kAllStatusCodes) {
    const auto number = static_cast<int32_t>(code);
    EXPECT_TRUE(seen.insert(number).second) << number << " is listed twice";
    const std::optional<StatusCode> back = status_code_from(number);
    ASSERT_TRUE(back.has_value()) << number;
    EXPECT_EQ(*back, code);
  }
}

TEST(StatusCodes, AnUnknownNumberIsNoStatusCode) {
  for (const int32_t number : {-1, 1, 99, 107999, 161003, 507014, 999999, INT32_MIN, INT32_MAX}) {
    EXPECT_FALSE(status_code_from(number).has_value()) << number;
  }
}

}  // namespace
}  // namespace advstep
