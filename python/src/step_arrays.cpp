// StepArrays: one call's imported arrays (step_arrays.hpp).
#include "step_arrays.hpp"

#include <string>

namespace nb = nanobind;

namespace advstep::python {

StepArrays::StepArrays(const char* operation, size_t expected_count) : operation_(operation) {
  leases_.reserve(expected_count);
}

TensorView StepArrays::required(nb::handle array, const char* name, bool written) {
  leases_.push_back(import_required_array(array, name, written));
  return leases_.back().view;
}

TensorView StepArrays::optional(nb::handle array, const char* name, bool written, const char* shape) {
  if (array.is_none()) return TensorView{};
  if (!written) {
    leases_.push_back(import_optional_array(array, name, shape));
    return leases_.back().view;
  }
  leases_.push_back(import_array(array, name, true));
  if (leases_.back().view.rank == 0) {
    raise_status(561002,
                 (std::string(operation_) + ": " + name + " must not be 0-d (expected " + shape + ", got [])").c_str());
  }
  return leases_.back().view;
}

std::vector<TensorView> StepArrays::block_tables(const nb::list& tables) {
  std::vector<TensorView> views;
  views.reserve(tables.size());
  for (size_t g = 0; g < tables.size(); ++g) {
    const std::string name = "block_tables[" + std::to_string(g) + "]";
    views.push_back(required(tables[g], name.c_str(), false));
  }
  return views;
}

}  // namespace advstep::python
