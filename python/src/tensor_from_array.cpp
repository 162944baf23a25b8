#include "tensor_from_array.hpp"

#include <string>

#include "advstep/status.hpp"
#include "array_import.hpp"

namespace nb = nanobind;

namespace advstep::python {
namespace {

/// str(@p object), or a placeholder when its __str__ raises (the error is cleared).
std::string safe_str(PyObject* object) {
  if (object == nullptr) return "";
  PyObject* text = PyObject_Str(object);
  const char* utf8 = text != nullptr ? PyUnicode_AsUTF8(text) : nullptr;
  std::string result = utf8 != nullptr ? utf8 : "<unprintable>";
  Py_XDECREF(text);
  if (utf8 == nullptr) PyErr_Clear();
  return result;
}

thread_local const char* named_api = "advstep.advance_step";

std::string full_message(const std::string& what, const std::string& expected, const std::string& got) {
  return std::string(ApiName::current()) + ": " + what + " (expected " + expected + ", got " + got + ")";
}

/// Raises advstep's exception for @p code and @p message, with @p cause (a new reference or null,
/// stolen) as its __cause__.
[[noreturn]] void raise_status_caused_by(int32_t code, const std::string& message, PyObject* cause) {
  nb::object errors = nb::module_::import_("advstep._errors");
  nb::object error = errors.attr("from_status")(code, message.c_str());
  if (cause != nullptr) PyException_SetCause(error.ptr(), cause);
  PyErr_SetObject(error.type().ptr(), error.ptr());
  throw nb::python_error();
}

}  // namespace

std::string python_type_name(nb::handle object) {
  // An error may be pending (a refusal names the type of the array whose export just failed): keep it.
  PyObject* pending_type = nullptr;
  PyObject* pending_value = nullptr;
  PyObject* pending_traceback = nullptr;
  PyErr_Fetch(&pending_type, &pending_value, &pending_traceback);
  PyTypeObject* type = Py_TYPE(object.ptr());
  // The attributes of a class may be computed by its metaclass: read them, and fall back to the
  // C-level name if that raises or gives no text.
  PyObject* module = PyObject_GetAttrString(reinterpret_cast<PyObject*>(type), "__module__");
  PyObject* name = PyObject_GetAttrString(reinterpret_cast<PyObject*>(type), "__qualname__");
  const char* module_text = module != nullptr && PyUnicode_Check(module) ? PyUnicode_AsUTF8(module) : nullptr;
  const char* name_text = name != nullptr && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : nullptr;
  std::string result;
  if (name_text == nullptr) {
    result = type->tp_name;
  } else if (module_text == nullptr || std::string(module_text) == "builtins") {
    result = name_text;
  } else {
    result = std::string(module_text) + "." + name_text;
  }
  Py_XDECREF(module);
  Py_XDECREF(name);
  PyErr_Clear();
  PyErr_Restore(pending_type, pending_value, pending_traceback);
  return result;
}

void refuse(StatusCode code, const std::string& what, const std::string& expected, const std::string& got) {
  raise_status_caused_by(static_cast<int32_t>(code), full_message(what, expected, got), nullptr);
}

void refuse_raised(const std::string& what, const std::string& expected) {
  if (PyErr_Occurred() == nullptr) {  // a failure that set no exception (a broken C exporter)
    refuse(StatusCode::kInvalidArgument, what, expected, "a failure without an exception");
  }
  if (!PyErr_ExceptionMatches(PyExc_Exception)) throw nb::python_error();  // interrupts and exits go on
  PyObject* type = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  if (value != nullptr && traceback != nullptr) PyException_SetTraceback(value, traceback);
  const std::string got = python_type_name(value) + ": " + safe_str(value);
  Py_XDECREF(type);
  Py_XDECREF(traceback);
  raise_status_caused_by(static_cast<int32_t>(StatusCode::kInvalidArgument), full_message(what, expected, got), value);
}

ImportedArray import_array(nb::handle array, const char* name, bool written) {
  if (PyCapsule_CheckExact(array.ptr())) return import_capsule(array, array, name, written);
  if (nb::object capsule = call_dlpack(array, name); capsule.is_valid()) {
    return import_capsule(capsule, array, name, written);
  }
  if (PyObject_CheckBuffer(array.ptr())) return import_buffer(array, name, written);
  // None is a missing argument (CANN's null pointer); anything else is not an array.
  const StatusCode code = array.is_none() ? StatusCode::kNullPointer : StatusCode::kInvalidArgument;
  raise_status_caused_by(static_cast<int32_t>(code),
                         std::string(ApiName::current()) + ": " + name +
                             " must be an array supporting DLPack or the buffer protocol (got " +
                             python_type_name(array) + ")",
                         nullptr);
}

ImportedArray import_optional_array(nb::handle array, const char* name, const char* expected_shape) {
  if (array.is_none()) {
    ImportedArray absent;
    absent.view = absent_view();
    return absent;
  }
  ImportedArray imported = import_array(array, name, false);
  if (imported.view.rank == 0) {
    // The library would take a 0-d view for "not given" and report it as null: say what it is.
    refuse(StatusCode::kOutOfRange, std::string(name) + " must be " + expected_shape + " or None, not 0-d",
           expected_shape, "a 0-d " + std::string(dtype_name(imported.view.dtype)) + " " + python_type_name(array));
  }
  return imported;
}

ImportedArray import_required_array(nb::handle array, const char* name, bool written) {
  ImportedArray imported = import_array(array, name, written);
  if (imported.view.rank == 0) {
    // The library would take a 0-d view for "not given" and report a required array as missing.
    refuse(StatusCode::kOutOfRange, std::string(name) + " must not be 0-d", "an array of at least one dimension",
           "a 0-d " + std::string(dtype_name(imported.view.dtype)) + " " + python_type_name(array));
  }
  return imported;
}

ApiName::ApiName(const char* api) : previous_(named_api) {
  named_api = api;
}

ApiName::~ApiName() {
  named_api = previous_;
}

const char* ApiName::current() {
  return named_api;
}

TensorView absent_view() {
  return TensorView{};  // rank 0: the native API reads it as "not given"
}

void raise_status(int32_t code, const char* message) {
  raise_status_caused_by(code, message, nullptr);
}

}  // namespace advstep::python
