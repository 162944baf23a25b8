// A library built the way libadvstep must not be (default visibility), for the self-test of
// check_exports.sh: its internal function and its standard-library instance over an advstep type
// must both be reported as leaks.
#include <vector>

namespace advstep::core {

struct Row {
  int value;
};

int leaked_internal(int x) {
  return x + 1;
}

std::vector<Row> leaked_instance(int n) {
  return std::vector<Row>(static_cast<std::vector<Row>::size_type>(n));
}

}  // namespace advstep::core

// Every member of the instance, emitted here whatever the optimiser inlines.
template class std::vector<advstep::core::Row>;

extern "C" int aclAllowedName(void) {
  return 0;
}
