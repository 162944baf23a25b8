// The environment binary's main: `--env NAME=VALUE` arguments become environment variables before
// GoogleTest or the library starts, so one CTest registration per environment needs no list-valued
// ENVIRONMENT property (which gtest_discover_tests cannot carry).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  int kept = 1;
  for (int k = 1; k < argc; ++k) {
    if (std::strcmp(argv[k], "--env") == 0 && k + 1 < argc) {
      const std::string assignment = argv[++k];
      const size_t equals = assignment.find('=');
      if (equals == std::string::npos) return 2;
      setenv(assignment.substr(0, equals).c_str(), assignment.substr(equals + 1).c_str(), 1);
    } else {
      argv[kept++] = argv[k];
    }
  }
  argc = kept;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
