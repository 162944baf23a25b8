#include "tensor_from_array.hpp"

#include <string>

#include "advstep/status.hpp"

namespace nb = nanobind;

namespace advstep::python {
namespace {

constexpr const char* kApi = "advstep.advance_step";  // the name a Python user calls

DType dtype_from_dlpack(nb::dlpack::dtype dtype) {
  using Code = nb::dlpack::dtype_code;
  if (dtype.lanes != 1) return DType::kOther;
  switch (static_cast<Code>(dtype.code)) {
    case Code::Int:
      return dtype.bits == 8 ? DType::kInt8 : dtype.bits == 16 ? DType::kInt16 : dtype.bits == 32 ? DType::kInt32
                                                                : dtype.bits == 64 ? DType::kInt64
                                                                                   : DType::kOther;
    case Code::UInt:
      return dtype.bits == 8    ? DType::kUInt8
             : dtype.bits == 16 ? DType::kUInt16
             : dtype.bits == 32 ? DType::kUInt32
             : dtype.bits == 64 ? DType::kUInt64
                                : DType::kOther;
    case Code::Float:
      return dtype.bits == 16 ? DType::kFloat16 : dtype.bits == 32 ? DType::kFloat32 : dtype.bits == 64 ? DType::kFloat64
                                                                                                        : DType::kOther;
    case Code::Bfloat:
      return dtype.bits == 16 ? DType::kBFloat16 : DType::kOther;
    case Code::Bool:
      return DType::kBool;
    default:
      return DType::kOther;
  }
}

/// "numpy.ndarray", "torch.Tensor", "list", ...
std::string python_type_name(nb::handle object) {
  nb::handle type = object.type();
  const std::string module = nb::str(type.attr("__module__")).c_str();
  const std::string name = nb::str(type.attr("__qualname__")).c_str();
  return module == "builtins" ? name : module + "." + name;
}

[[noreturn]] void argument_error(const std::string& what, const std::string& expected, const std::string& got) {
  const std::string message = std::string(kApi) + ": " + what + " (expected " + expected + ", got " + got + ")";
  raise_status(static_cast<int32_t>(StatusCode::kInvalidArgument), message.c_str());
}

/// DLPack device types: 1 CPU, 2 CUDA, 3 CUDA pinned host memory, 13 CUDA managed memory.
Device device_from_dlpack(int32_t device_type, const char* name) {
  switch (device_type) {
    case 1:
    case 3:
      return Device::kCpu;
    case 2:
    case 13:
      return Device::kCuda;
    default:
      argument_error(std::string(name) + " is on a device advstep does not support", "cpu or cuda",
                     "DLPack device type " + std::to_string(device_type));
  }
}

template <typename Array>
TensorView describe(const Array& array, const char* name) {
  TensorView view;
  view.data = const_cast<void*>(static_cast<const void*>(array.data()));
  view.dtype = dtype_from_dlpack(array.dtype());
  view.device = device_from_dlpack(array.device_type(), name);
  const auto rank = static_cast<int32_t>(array.ndim());
  view.rank = rank;  // a rank above kMaxRank is kept so the library can report it
  for (int32_t d = 0; d < rank && d < kMaxRank; ++d) {
    view.shape[static_cast<size_t>(d)] = static_cast<int64_t>(array.shape(static_cast<size_t>(d)));
    view.strides[static_cast<size_t>(d)] = array.stride(static_cast<size_t>(d));
  }
  return view;
}

}  // namespace

ImportedArray import_array(nb::handle array, const char* name, bool written) {
  // numpy refuses to export a non-native byte order through the buffer protocol: name that, not "not an array".
  if (nb::hasattr(array, "dtype")) {
    const nb::object dtype = array.attr("dtype");
    if (nb::hasattr(dtype, "byteorder") && dtype.attr("byteorder").equal(nb::str(">"))) {
      const nb::str dtype_text = nb::steal<nb::str>(PyObject_Str(dtype.ptr()));
      argument_error(std::string(name) + " must be in the machine's byte order (little-endian)",
                     "a native-endian array; convert with array.astype(array.dtype.newbyteorder('='))",
                     "a big-endian " + std::string(dtype_text.c_str()) + " array");
    }
  }
  ImportedArray imported;
  // convert=false: an array is never copied or cast, so in-place results land in the caller's memory.
  if (written && nb::try_cast(array, imported.writable, false)) {
    imported.view = describe(imported.writable, name);
    return imported;
  }
  if (nb::try_cast(array, imported.readable, false)) {
    if (written) {
      argument_error(std::string(name) + " must be writable", "a writable array", "a read-only " + python_type_name(array));
    }
    imported.view = describe(imported.readable, name);
    return imported;
  }
  // None is a missing argument (CANN's null pointer); anything else is not an array.
  const std::string message = std::string(kApi) + ": " + name +
                              " must be an array supporting DLPack or the buffer protocol (got " +
                              python_type_name(array) + ")";
  const StatusCode code = array.is_none() ? StatusCode::kNullPointer : StatusCode::kInvalidArgument;
  raise_status(static_cast<int32_t>(code), message.c_str());
}

TensorView absent_view() {
  return TensorView{};  // rank 0: the native API reads it as "not given"
}

void raise_status(int32_t code, const char* message) {
  nb::object errors = nb::module_::import_("advstep._errors");
  nb::object error = errors.attr("from_status")(code, message);
  PyErr_SetObject(error.type().ptr(), error.ptr());
  throw nb::python_error();
}

}  // namespace advstep::python
