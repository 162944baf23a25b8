// Test support: one oracle case through the native advstep::advance_step, with int32 or int64
// seq_lens and block_tables as the case says.
#pragma once

#include <optional>
#include <string>

#include "advstep/options.hpp"
#include "advstep/status.hpp"
#include "oracle/reference.hpp"

namespace advstep::testing {

struct NativeResult {
  std::optional<StatusCode> error;  ///< set when advance_step threw advstep::Error
  bool is_data_fault = false;       ///< Error::is_data_fault() of that exception
  std::string message;              ///< its what()
  oracle::StepOutputs outputs;      ///< the four in/out arrays after the call
  bool all_unchanged = false;       ///< every array, inputs included, as before the call
  bool inputs_unchanged = false;    ///< sampled_token_ids, block_tables, spec_token, accepted_num
};

/// Calls advance_step (the speculative overload when inputs.speculative()) on host arrays shaped
/// flat, or as [N, 1] / [N, E] when @p matrix_layout, under @p options.
NativeResult run_native(const oracle::StepInputs& inputs, bool matrix_layout, const Options& options = {});

}  // namespace advstep::testing
