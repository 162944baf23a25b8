// What the prepare-step bindings (prepare_inputs, advance_drafts, post_update) share: importing one
// call's arrays with the leases that keep them alive, and running the library with the GIL released.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <nanobind/nanobind.h>

#include "advstep/status.hpp"
#include "advstep/tensor_view.hpp"
#include "tensor_from_array.hpp"

namespace advstep::python {

/// The arrays of one call, imported in the order they are asked for; every lease lives as long as
/// this object, so it must outlive the library call that reads the views.
class StepArrays {
 public:
  /// @p operation starts the refusals raised here ("advstep::prepare_inputs"); @p expected_count
  /// is how many arrays the call imports at most (none is moved while the call runs).
  StepArrays(const char* operation, size_t expected_count);

  /// A required array (import_required_array()): None and a 0-d array are refused.
  TensorView required(nanobind::handle array, const char* name, bool written);

  /// An optional array: None gives the absent view. A written one is imported writable, and a 0-d
  /// array (which the library would read as not given) is refused (code 561002), naming @p shape.
  TensorView optional(nanobind::handle array, const char* name, bool written, const char* shape);

  /// The G required, read-only tables of @p tables, named "block_tables[g]".
  std::vector<TensorView> block_tables(const nanobind::list& tables);

 private:
  const char* operation_;
  std::vector<ImportedArray> leases_;
};

/// Calls @p run with the GIL released; a library error becomes the package's exception (raised with
/// the GIL held again).
template <typename Run>
void run_without_gil(Run&& run) {
  try {
    nanobind::gil_scoped_release release;
    run();
  } catch (const Error& error) {  // the GIL is held again here
    raise_status(static_cast<int32_t>(error.code()), error.what());
  }
}

}  // namespace advstep::python
