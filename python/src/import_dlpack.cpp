// DLPack import: calling a producer's __dlpack__, and consuming the capsule it returns (or one the
// caller passed directly), following the DLPack Python specification's ownership rules: a capsule is
// consumed by renaming it "used_dltensor[_versioned]", after which its consumer alone calls the
// tensor's deleter, once. A consumed capsule is refused, never read, so a producer that hands the
// same capsule out twice cannot make advstep read or free a released tensor.
#include <cstdint>
#include <string>

#include "advstep/detail/checked_arithmetic.hpp"
#include "array_import.hpp"
#include "dlpack_abi.hpp"

namespace nb = nanobind;

namespace advstep::python {
namespace {

constexpr const char* kCapsuleNames = "a capsule named 'dltensor' or 'dltensor_versioned'";

DType dtype_from_dlpack(dlpack::DataType dtype) {
  if (dtype.lanes != 1) return DType::kOther;
  switch (dtype.code) {
    case 0:  // int
      return dtype.bits == 8    ? DType::kInt8
             : dtype.bits == 16 ? DType::kInt16
             : dtype.bits == 32 ? DType::kInt32
             : dtype.bits == 64 ? DType::kInt64
                                : DType::kOther;
    case 1:  // uint
      return dtype.bits == 8    ? DType::kUInt8
             : dtype.bits == 16 ? DType::kUInt16
             : dtype.bits == 32 ? DType::kUInt32
             : dtype.bits == 64 ? DType::kUInt64
                                : DType::kOther;
    case 2:  // float
      return dtype.bits == 16   ? DType::kFloat16
             : dtype.bits == 32 ? DType::kFloat32
             : dtype.bits == 64 ? DType::kFloat64
                                : DType::kOther;
    case 4:  // bfloat
      return dtype.bits == 16 ? DType::kBFloat16 : DType::kOther;
    case 6:  // bool
      return dtype.bits == 8 ? DType::kBool : DType::kOther;
    default:
      return DType::kOther;
  }
}

/// DLPack device types: 1 CPU, 2 CUDA, 3 CUDA pinned host memory, 13 CUDA managed memory.
Device device_from_dlpack(int32_t device_type, const char* name) {
  switch (device_type) {
    case dlpack::kCpu:
    case dlpack::kCudaHost:
      return Device::kCpu;
    case dlpack::kCuda:
    case dlpack::kCudaManaged:
      return Device::kCuda;
    default:
      refuse(StatusCode::kInvalidArgument, std::string(name) + " is on a device advstep does not support",
             "cpu or cuda", "DLPack device type " + std::to_string(device_type));
  }
}

void release_versioned(void* handle) {
  auto* tensor = static_cast<dlpack::ManagedTensorVersioned*>(handle);
  if (tensor->deleter != nullptr) tensor->deleter(tensor);
}

void release_unversioned(void* handle) {
  auto* tensor = static_cast<dlpack::ManagedTensor*>(handle);
  if (tensor->deleter != nullptr) tensor->deleter(tensor);
}

/// The view of a consumed tensor, after the checks only the binding can make. @p subject names the
/// tensor in messages, @p origin the object it came from (its type is named only in a refusal).
TensorView describe(const dlpack::Tensor& tensor, uint64_t flags, const std::string& subject, nb::handle origin,
                    const char* name, bool written) {
  const auto kind = [&] {
    return PyCapsule_CheckExact(origin.ptr()) ? std::string("DLPack capsule") : python_type_name(origin);
  };
  if (tensor.ndim < 0) {
    refuse(StatusCode::kInvalidArgument, subject + " has a negative ndim", ">= 0", std::to_string(tensor.ndim));
  }
  if (tensor.ndim > 0 && tensor.shape == nullptr) {
    refuse(StatusCode::kInvalidArgument, subject + " has no shape",
           "a shape of " + std::to_string(tensor.ndim) + " dims", "a null shape pointer");
  }
  if (tensor.data == nullptr && tensor.byte_offset != 0) {
    refuse(StatusCode::kInvalidArgument, subject + " has a byte_offset from a null data pointer", "byte_offset 0",
           std::to_string(tensor.byte_offset));
  }
  if (written && (flags & dlpack::kFlagReadOnly) != 0) {
    refuse(StatusCode::kInvalidArgument, std::string(name) + " must be writable", "a writable array",
           "a read-only " + kind());
  }
  if (written && (flags & dlpack::kFlagIsCopied) != 0) {
    refuse(StatusCode::kInvalidArgument,
           std::string(name) + " must be exported without a copy (the results would not reach the caller's array)",
           "the producer's own memory", "a copy made by " + kind() + " (DLPack flag is_copied)");
  }
  TensorView view;
  view.data = tensor.data == nullptr
                  ? nullptr
                  : reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(tensor.data) + tensor.byte_offset);
  view.dtype = dtype_from_dlpack(tensor.dtype);
  view.device = device_from_dlpack(tensor.device.device_type, name);
  view.rank = tensor.ndim;  // a rank above kMaxRank is kept so the library can report it
  const int32_t stored = tensor.ndim < kMaxRank ? tensor.ndim : kMaxRank;
  for (int32_t d = 0; d < stored; ++d) view.shape[static_cast<size_t>(d)] = tensor.shape[d];
  if (tensor.strides != nullptr) {
    for (int32_t d = 0; d < stored; ++d) view.strides[static_cast<size_t>(d)] = tensor.strides[d];
  } else {
    // No strides: compact row-major (DLPack before 1.2). An element count that overflows leaves
    // strides the library never reads, since it refuses the shape first.
    (void)detail::row_major_strides(view.shape.data(), stored, view.strides.data());
  }
  return view;
}

// torch's __dlpack__ exports a tensor whose lazy negation or conjugation bit is set as its stored
// memory, without the bit: the library would read, and write, the negation of the tensor's values.
// Such a tensor (a torch.Tensor of an imported torch, is_neg() or is_conj() true) is refused.
void refuse_lazy_torch_bits(nb::handle array, const char* name) {
  PyObject* const torch = PyImport_GetModule(nb::str("torch").ptr());  // only a torch already imported
  if (torch == nullptr) {
    PyErr_Clear();
    return;
  }
  const nb::object module = nb::steal(torch);
  PyObject* const tensor_type = PyObject_GetAttrString(module.ptr(), "Tensor");
  if (tensor_type == nullptr) {
    PyErr_Clear();
    return;
  }
  const nb::object type = nb::steal(tensor_type);
  const int is_tensor = PyObject_IsInstance(array.ptr(), type.ptr());
  if (is_tensor < 0) refuse_raised(std::string("checking ") + name + "'s type failed", "an array");
  if (is_tensor == 0) return;
  for (const char* bit : {"is_neg", "is_conj"}) {
    PyObject* const set = PyObject_CallMethod(array.ptr(), bit, nullptr);
    if (set == nullptr) refuse_raised(std::string(name) + "." + bit + "() failed", "a torch tensor's bit");
    const int truth = PyObject_IsTrue(set);
    Py_DECREF(set);
    if (truth < 0) refuse_raised(std::string(name) + "." + bit + "() failed", "a torch tensor's bit");
    if (truth == 1) {
      refuse(StatusCode::kInvalidArgument,
             std::string(name) + " has torch's lazy " + (bit[3] == 'n' ? "negation" : "conjugation") +
                 " bit set (DLPack would export the values without it)",
             std::string("a tensor with the bit resolved (") + name +
                 (bit[3] == 'n' ? ".resolve_neg())" : ".resolve_conj())"),
             std::string(bit) + "() True");
    }
  }
}

}  // namespace

nb::object call_dlpack(nb::handle array, const char* name) {
  refuse_lazy_torch_bits(array, name);
  PyObject* method = PyObject_GetAttrString(array.ptr(), "__dlpack__");
  if (method == nullptr) {
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
      PyErr_Clear();
      return {};
    }
    refuse_raised(std::string("reading ") + name + ".__dlpack__ failed", "a DLPack producer's method");
  }
  const nb::object bound = nb::steal(method);
  if (method == Py_None) return {};  // a class that declares it exports no DLPack
  // Ask for DLPack 1.x, whose capsule says whether the memory is read-only; a producer older than
  // the max_version keyword raises TypeError and is asked again the old way. The keyword's name and
  // value are immutable tuples made once (a dict could be kept and changed by the producer).
  static PyObject* const keyword_names = Py_BuildValue("(s)", "max_version");
  static PyObject* const max_version = Py_BuildValue("(II)", static_cast<unsigned>(dlpack::kMajorVersion), 0u);
  if (keyword_names == nullptr || max_version == nullptr) {  // out of memory at the first call: never retried
    PyErr_NoMemory();
    throw nb::python_error();
  }
  PyObject* const keyword_values[] = {max_version};
  PyObject* result = PyObject_Vectorcall(method, keyword_values, 0, keyword_names);
  if (result == nullptr && PyErr_ExceptionMatches(PyExc_TypeError)) {
    PyErr_Clear();
    result = PyObject_CallNoArgs(method);
  }
  if (result == nullptr) {
    // BufferError: "not through DLPack" (numpy: a byte-swapped array, strides that are not whole
    // elements); the buffer protocol then gives the precise refusal or the array.
    if (PyErr_ExceptionMatches(PyExc_BufferError) && PyObject_CheckBuffer(array.ptr())) {
      PyErr_Clear();
      return {};
    }
    refuse_raised(std::string(name) + ".__dlpack__() failed", "a DLPack capsule");
  }
  return nb::steal(result);
}

ImportedArray import_capsule(nb::handle capsule, nb::handle array, const char* name, bool written) {
  const bool from_producer = !capsule.is(array);
  const std::string subject =
      from_producer ? "the capsule " + std::string(name) + ".__dlpack__() returned" : std::string(name);
  if (!PyCapsule_CheckExact(capsule.ptr())) {
    refuse(StatusCode::kInvalidArgument, std::string(name) + ".__dlpack__() must return a DLPack capsule",
           kCapsuleNames, python_type_name(capsule));
  }
  const char* capsule_name = PyCapsule_GetName(capsule.ptr());
  if (capsule_name == nullptr && PyErr_Occurred() != nullptr) {
    refuse_raised(subject + " is not a valid capsule", kCapsuleNames);
  }
  const std::string given = capsule_name == nullptr ? std::string() : capsule_name;
  const bool versioned = given == dlpack::kVersionedName;
  if (given == dlpack::kUsedUnversionedName || given == dlpack::kUsedVersionedName) {
    refuse(StatusCode::kInvalidArgument,
           subject + " was already consumed (a DLPack capsule can be imported once; export the array again)",
           kCapsuleNames, "a capsule named '" + given + "'");
  }
  if (!versioned && given != dlpack::kUnversionedName) {
    refuse(StatusCode::kInvalidArgument, subject + " must be a DLPack capsule", kCapsuleNames,
           capsule_name == nullptr ? std::string("an unnamed capsule") : "a capsule named '" + given + "'");
  }
  void* const pointer = PyCapsule_GetPointer(capsule.ptr(), capsule_name);
  if (pointer == nullptr) refuse_raised(subject + " holds no tensor", "a DLPack tensor");

  const dlpack::Tensor* tensor = nullptr;
  uint64_t flags = 0;
  ImportedArray imported;
  if (versioned) {
    auto* managed = static_cast<dlpack::ManagedTensorVersioned*>(pointer);
    // Checked before the capsule is consumed: its own destructor still frees a tensor refused here.
    if (managed->version.major != dlpack::kMajorVersion) {
      refuse(StatusCode::kInvalidArgument, subject + " has a DLPack version advstep cannot read", "version 1.x",
             "version " + std::to_string(managed->version.major) + "." + std::to_string(managed->version.minor));
    }
    tensor = &managed->dl_tensor;
    flags = managed->flags;
  } else {
    tensor = &static_cast<dlpack::ManagedTensor*>(pointer)->dl_tensor;
  }
  // Consume: from here on the lease, not the capsule, frees the tensor, whether or not it is accepted.
  if (PyCapsule_SetName(capsule.ptr(), versioned ? dlpack::kUsedVersionedName : dlpack::kUsedUnversionedName) != 0) {
    refuse_raised(subject + " could not be consumed", "a DLPack capsule");
  }
  imported.lease = ArrayLease(pointer, versioned ? release_versioned : release_unversioned);
  imported.view =
      describe(*tensor, flags, from_producer ? subject : "the DLPack capsule " + subject, array, name, written);
  return imported;
}

}  // namespace advstep::python
