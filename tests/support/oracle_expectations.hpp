// Test support: what a run must show for an oracle case, shared by the C API and native tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "oracle/random_cases.hpp"
#include "oracle/reference.hpp"

namespace advstep::testing {

/// Texts a data-fault message must contain: the operator, where ("sequence 3:" on the plain path,
/// "sequence 3, column 1" on the speculative one) and the value the oracle names.
inline std::vector<std::string> fault_message_parts(const char* api, const oracle::Fault& fault, bool speculative) {
  const std::string where =
      speculative ? "sequence " + std::to_string(fault.sequence) + ", column " + std::to_string(fault.column)
                  : "sequence " + std::to_string(fault.sequence) + ":";
  return {std::string(api) + ":", where, std::to_string(fault.value)};
}

/// Expects @p message to name the fault (its operator, place and value).
inline void expect_names_fault(const std::string& message, const char* api, const oracle::Fault& fault,
                               bool speculative) {
  for (const std::string& part : fault_message_parts(api, fault, speculative)) {
    EXPECT_TRUE(message.find(part) != std::string::npos)
        << "the message lacks \"" << part << "\" (" << oracle::fault_cause_name(fault.cause) << "): " << message;
  }
}

/// The oracle's verdict, checked against the generator's intent: a planted fault must be found
/// and a valid case must be valid, or the sweep would not test what it claims to.
inline oracle::Expected expected_for(const oracle::RandomCase& random_case) {
  oracle::Expected expected = oracle::reference_advance_step(random_case.inputs);
  EXPECT_EQ(expected.fault.has_value(), !random_case.planted.empty())
      << "generator and oracle disagree"
      << (expected.fault ? std::string(" (oracle: ") + oracle::fault_cause_name(expected.fault->cause) + ")" : "");
  return expected;
}

}  // namespace advstep::testing
