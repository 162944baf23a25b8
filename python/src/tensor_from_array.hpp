// Turns any array that speaks DLPack or the buffer protocol into the library's TensorView.
//
// Nothing is checked here that the library checks itself: dtype (supported or not), shape, strides
// and device are handed over as they are, so the library's messages are the ones users see. Only
// what a TensorView cannot express is refused here: a non-array, a read-only array that the
// operator must write, and a device other than the host or a CUDA GPU.
#pragma once

#include <cstdint>

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include "advstep/tensor_view.hpp"

namespace advstep::python {

/// An imported array: the DLPack reference that keeps its memory alive, and the view of it.
struct ImportedArray {
  nanobind::ndarray<> writable;              ///< set for arrays the operator writes
  nanobind::ndarray<nanobind::ro> readable;  ///< set for arrays it only reads
  TensorView view;
};

/// Imports @p array, the parameter @p name of advance_step; @p written: the operator stores into it.
/// @throws nanobind::type_error when @p array is no array; the library's argument error (via
///         raise_status) when it is read-only but written, or lives on a device advstep cannot use.
ImportedArray import_array(nanobind::handle array, const char* name, bool written);

/// An empty [0] host view: the library reads it as "not given" (used for a missing optional).
TensorView absent_view();

/// Raises advstep.ArgumentError / DataFaultError / DeviceError for a library status code.
[[noreturn]] void raise_status(int32_t code, const char* message);

}  // namespace advstep::python
