#include "acl/process_options.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

namespace advstep::acl {
namespace {

/// What the variables say: the options, or the first variable that names nothing and why.
struct Reading {
  Options options;
  std::string problem;  ///< "ADVSTEP_X must be ... (expected ..., got "...")"; empty when all are good
};

std::string quoted(const char* text) {
  return std::string("\"") + text + "\"";
}

bool parse_cores(const char* text, int64_t& cores) {
  if (*text == '\0' || *text == '+' || *text == '-' || *text == ' ') return false;
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < 1 || value > std::numeric_limits<int32_t>::max()) return false;
  cores = value;
  return true;
}

Reading read_variables() {
  Reading reading;
  if (const char* text = std::getenv("ADVSTEP_SEMANTICS")) {
    if (!parse_semantics(text, reading.options.semantics)) {
      reading.problem = "ADVSTEP_SEMANTICS must name a semantics (expected vllm or ascend, got " + quoted(text) + ")";
      return reading;
    }
  }
  if (const char* text = std::getenv("ADVSTEP_ASCEND_CORES")) {
    if (!parse_cores(text, reading.options.ascend_cores)) {
      reading.problem = "ADVSTEP_ASCEND_CORES must be a vector-core count (expected an integer in 1.." +
                        std::to_string(std::numeric_limits<int32_t>::max()) + ", got " + quoted(text) + ")";
      return reading;
    }
  }
  if (const char* text = std::getenv("ADVSTEP_BLOCK_BOUND")) {
    if (!parse_block_bound(text, reading.options.block_bound)) {
      reading.problem = "ADVSTEP_BLOCK_BOUND must name a bound (expected table or row, got " + quoted(text) + ")";
      return reading;
    }
  }
  return reading;
}

}  // namespace

Status process_options(const char* api, StatusCode code, Options& options) {
  static const Reading reading = read_variables();
  if (!reading.problem.empty()) return {code, std::string(api) + ": " + reading.problem};
  options = reading.options;
  return {};
}

}  // namespace advstep::acl
