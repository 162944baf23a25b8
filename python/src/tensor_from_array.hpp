// Turns any array that speaks DLPack or the buffer protocol into the library's TensorView.
//
// Nothing is checked here that the library checks itself: dtype (supported or not), shape, strides,
// null data and device are handed over as they are, so the library's messages are the ones users
// see. Only what a TensorView cannot express, or what would be unsafe to read, is refused here, each
// with advstep's own error (advstep.ArgumentError) naming the parameter:
// - a non-array; a read-only array that the operator must write; a DLPack tensor its producer
//   flagged as a copy (results written to it would never reach the caller's array);
// - a device other than the host or a CUDA GPU;
// - a torch tensor with its lazy negation or conjugation bit set (DLPack exports it without the bit);
// - DLPack misuse: a capsule already consumed (renamed "used_dltensor"), a capsule of another name or
//   DLPack major version, a __dlpack__ that raises or returns something other than a capsule, a
//   tensor with a negative ndim or no shape;
// - buffer-protocol exporters whose layout cannot be read as a strided array: an export that
//   fails, indirect (suboffsets) buffers, no shape, an item size below 1, a len other than
//   product(shape) * itemsize, byte strides that are not whole elements, a format that is not one
//   element code, an item size that does not match the format, a byte order other than the machine's;
// - a 0-d array given for an optional input, or for a required one of the prepare-step operations
//   (a 0-d TensorView means "not given" to the library).
//
// Read-only exporters (bytes, a read-only memoryview or numpy array, a DLPack tensor flagged
// read-only) are accepted for the inputs the operator only reads.
#pragma once

#include <cstdint>

#include <nanobind/nanobind.h>

#include "advstep/tensor_view.hpp"
#include "array_lease.hpp"

namespace advstep::python {

/// Names the Python operation whose arrays this thread imports while it lives ("advstep.prepare_inputs"),
/// so that every refusal starts with the operation the user called; without one it is
/// "advstep.advance_step". @p api must outlive the guard (a string literal).
class ApiName {
 public:
  explicit ApiName(const char* api);
  ~ApiName();
  ApiName(const ApiName&) = delete;
  ApiName& operator=(const ApiName&) = delete;

  /// The operation named on this thread now.
  static const char* current();

 private:
  const char* previous_;
};

/// An imported array: the lease that keeps its memory alive until the call returns, and the view of it.
struct ImportedArray {
  ArrayLease lease;  ///< releases the DLPack tensor or Py_buffer (with the GIL held) when destroyed
  TensorView view;
};

/// Imports @p array, the parameter @p name of advance_step; @p written: the operator stores into it.
/// A PyCapsule is imported as a DLPack capsule; an object with __dlpack__ through DLPack (falling
/// back to the buffer protocol when its producer raises BufferError and it exports a buffer); any
/// other object through the buffer protocol. A capsule is consumed at most once and its tensor
/// released exactly once, when the returned lease ends.
/// @throws nanobind::python_error carrying advstep.ArgumentError: code 161001 for None, 161002 for
///         every refusal listed at the top of this file. A KeyboardInterrupt or SystemExit raised by
///         the array's producer propagates as it is.
ImportedArray import_array(nanobind::handle array, const char* name, bool written);

/// Imports the optional input @p name: None gives the absent view; a 0-d array is refused (code
/// 561002), naming @p expected_shape (for example "[N, S]"), since the library would read it as absent.
ImportedArray import_optional_array(nanobind::handle array, const char* name, const char* expected_shape);

/// Imports the required array @p name as import_array() does, refusing a 0-d array (code 561002):
/// the library would read it as absent and report the array as missing.
ImportedArray import_required_array(nanobind::handle array, const char* name, bool written);

/// An empty [0] host view: the library reads it as "not given" (used for a missing optional).
TensorView absent_view();

/// Raises advstep.ArgumentError / DataFaultError / DeviceError for a library status code.
[[noreturn]] void raise_status(int32_t code, const char* message);

}  // namespace advstep::python
