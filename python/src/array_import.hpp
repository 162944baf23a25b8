// What the two importers (DLPack, buffer protocol) share: their entry points and the refusals they
// raise. Internal to the extension; module.cpp uses tensor_from_array.hpp.
#pragma once

#include <string>

#include <nanobind/nanobind.h>

#include "advstep/status.hpp"
#include "tensor_from_array.hpp"

namespace advstep::python {

/// Raises advstep.ArgumentError with @p code: "<api>: <what> (expected <expected>, got <got>)", with
/// <api> the operation an ApiName of this thread names (advstep.advance_step without one).
[[noreturn]] void refuse(StatusCode code, const std::string& what, const std::string& expected, const std::string& got);

/// refuse() for the Python exception now pending (raised by the array's own code): its type and
/// text become "got", and it becomes the __cause__ of advstep's error. A BaseException that is not
/// an Exception (KeyboardInterrupt, SystemExit) is not an argument error: it propagates as it is.
[[noreturn]] void refuse_raised(const std::string& what, const std::string& expected);

/// "numpy.ndarray", "bytes", "fake_dlpack.FakeArray", ...: never raises.
std::string python_type_name(nanobind::handle object);

/// Calls @p array.__dlpack__: a new reference to what it returned, or an invalid object when
/// @p array has no __dlpack__, or when its producer raised BufferError and @p array exports a
/// buffer (the caller then reads that). Producers that predate the max_version keyword are called
/// again without it.
nanobind::object call_dlpack(nanobind::handle array, const char* name);

/// Imports @p capsule (what @p array returned from __dlpack__, or @p array itself when it is a
/// capsule): consumes it (renames it "used_...") and takes over its tensor, whose deleter the
/// lease calls.
ImportedArray import_capsule(nanobind::handle capsule, nanobind::handle array, const char* name, bool written);

/// Imports @p array through the buffer protocol; the lease holds the Py_buffer.
ImportedArray import_buffer(nanobind::handle array, const char* name, bool written);

}  // namespace advstep::python
