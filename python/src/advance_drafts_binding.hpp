// advstep._core.advance_drafts: the binding of advstep::advance_drafts (prepare_step.md 3.2).
#pragma once

#include <nanobind/nanobind.h>

namespace advstep::python {

/// Adds advance_drafts to the extension module @p m.
void register_advance_drafts(nanobind::module_& m);

}  // namespace advstep::python
