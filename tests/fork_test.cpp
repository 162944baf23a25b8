// A process forked after the CPU kernel's thread team started has none of its threads: the child's
// large batches must still run (on the calling thread), never wait for a team that is not there.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "advstep/advance_step.hpp"

namespace advstep::testing {
namespace {

constexpr int64_t kRows = 40000;  // above the threading threshold (16384 cells)

/// One V1 step over kRows rows; true when every query row advanced exactly once.
bool large_step_advances() {
  std::vector<int64_t> tokens(kRows), positions(kRows), lens(kRows, 3), slots(kRows), table(kRows * 4, 1);
  std::vector<int64_t> sampled(kRows - 1, 5);
  advance_step(DecodeStep{view(tokens.data(), {kRows}), view(sampled.data(), {kRows - 1, 1}),
                          view(positions.data(), {kRows}), view(lens.data(), {kRows}), view(slots.data(), {kRows}),
                          view(table.data(), {kRows, 4}), kRows, kRows - 1, 16});
  for (int64_t i = 0; i < kRows - 1; ++i) {
    if (lens[i] != 4 || positions[i] != 3 || tokens[i] != 5 || slots[i] != 16 + 3) return false;
  }
  return true;
}

TEST(ForkedProcess, ChildRunsLargeBatchesAfterTheParentsTeamStarted) {
  ASSERT_TRUE(large_step_advances());  // starts the team (with more than one thread configured)
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    alarm(30);  // a child waiting for the parent's threads is killed, and the test fails
    _exit(large_step_advances() && large_step_advances() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child was killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(large_step_advances());  // the parent's team still works
}

}  // namespace
}  // namespace advstep::testing
