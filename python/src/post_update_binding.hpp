// The extension's post_update function (post_update_binding.cpp), registered by module.cpp.
#pragma once

#include <nanobind/nanobind.h>

namespace advstep::python {

/// Adds advstep._core.post_update to @p m.
void register_post_update(nanobind::module_& m);

}  // namespace advstep::python
