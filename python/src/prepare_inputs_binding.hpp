// advstep._core.prepare_inputs: the binding of advstep::prepare_inputs (prepare_step.md 3.1).
#pragma once

#include <nanobind/nanobind.h>

namespace advstep::python {

/// Adds prepare_inputs to the extension module @p m.
void register_prepare_inputs(nanobind::module_& m);

}  // namespace advstep::python
