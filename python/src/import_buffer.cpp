// Buffer-protocol import (PEP 3118): ctypes arrays, memoryview, array.array, bytes, bytearray, and
// any other exporter. The export is requested with strides, suboffsets and format, read-only
// allowed (PyBUF_FULL_RO: the readonly field then decides whether a written parameter may use it,
// and an indirect buffer shows its suboffsets, to be refused by name), and held until the call
// returns, so that the exporter cannot resize or free the memory while the operator runs.
//
// Exporters do not all fill every field: ctypes leaves strides null for its (always C-contiguous)
// arrays, so null strides are read as compact row-major, never dereferenced.
#include <bit>
#include <cstdint>
#include <string>

#include "advstep/detail/checked_arithmetic.hpp"
#include "array_import.hpp"

namespace nb = nanobind;

namespace advstep::python {
namespace {

constexpr const char* kFormats =
    "one element code of b h i l q n B H I L Q N e f d ?, optionally after one of @ = < > !";

enum class Kind { kSigned, kUnsigned, kFloat, kBool };

/// An element code of the struct module: its kind, its size in native mode ('@', or no prefix:
/// the C compiler's sizes) and in standard mode ('=', '<', '>', '!'; 0 where the code has none).
struct ElementCode {
  char code;
  Kind kind;
  size_t native_size;
  size_t standard_size;
};

constexpr ElementCode kElementCodes[] = {
    {'b', Kind::kSigned, 1, 1},
    {'h', Kind::kSigned, sizeof(short), 2},
    {'i', Kind::kSigned, sizeof(int), 4},
    {'l', Kind::kSigned, sizeof(long), 4},
    {'q', Kind::kSigned, sizeof(long long), 8},
    {'n', Kind::kSigned, sizeof(Py_ssize_t), 0},
    {'B', Kind::kUnsigned, 1, 1},
    {'H', Kind::kUnsigned, sizeof(unsigned short), 2},
    {'I', Kind::kUnsigned, sizeof(unsigned int), 4},
    {'L', Kind::kUnsigned, sizeof(unsigned long), 4},
    {'Q', Kind::kUnsigned, sizeof(unsigned long long), 8},
    {'N', Kind::kUnsigned, sizeof(size_t), 0},
    {'e', Kind::kFloat, 2, 2},
    {'f', Kind::kFloat, sizeof(float), 4},
    {'d', Kind::kFloat, sizeof(double), 8},
    {'?', Kind::kBool, sizeof(bool), 1},
};

DType dtype_of(Kind kind, Py_ssize_t size) {
  switch (kind) {
    case Kind::kSigned:
      return size == 1 ? DType::kInt8 : size == 2 ? DType::kInt16 : size == 4 ? DType::kInt32 : DType::kInt64;
    case Kind::kUnsigned:
      return size == 1 ? DType::kUInt8 : size == 2 ? DType::kUInt16 : size == 4 ? DType::kUInt32 : DType::kUInt64;
    case Kind::kFloat:
      return size == 2 ? DType::kFloat16 : size == 4 ? DType::kFloat32 : DType::kFloat64;
    case Kind::kBool:
      return DType::kBool;
  }
  return DType::kOther;
}

/// The dtype of elements of @p itemsize bytes described by @p format (null: unsigned bytes, as PEP
/// 3118 says). The code gives the kind and the item size the width; the item size must be a size
/// the code has, natively or in standard mode (older ctypes wrote "<l" for an 8-byte C long).
DType dtype_from_format(const char* format, Py_ssize_t itemsize, const char* name) {
  const std::string text = format == nullptr ? "B" : format;
  const std::string quoted = "'" + text + "'";
  size_t at = 0;
  bool big_endian = std::endian::native == std::endian::big;
  const bool standard = !text.empty() && std::string("=<>!").find(text[0]) != std::string::npos;
  if (standard || (!text.empty() && text[0] == '@')) {
    if (text[0] == '<') big_endian = false;
    if (text[0] == '>' || text[0] == '!') big_endian = true;
    at = 1;
  }
  const ElementCode* element = nullptr;
  if (text.size() == at + 1) {
    for (const ElementCode& candidate : kElementCodes) {
      // 'n' and 'N' (ssize_t, size_t) exist in native mode only, as in the struct module.
      if (candidate.code == text[at] && !(standard && candidate.standard_size == 0)) element = &candidate;
    }
  }
  if (element == nullptr) {
    refuse(StatusCode::kInvalidArgument, std::string(name) + " has a buffer format advstep cannot read", kFormats,
           "format " + quoted);
  }
  const auto size = static_cast<size_t>(itemsize);
  if (size != element->native_size && size != element->standard_size) {
    std::string sizes = std::to_string(element->native_size);
    if (element->standard_size != 0 && element->standard_size != element->native_size) {
      sizes += " or " + std::to_string(element->standard_size);
    }
    refuse(StatusCode::kInvalidArgument, std::string(name) + " has an item size that does not match its buffer format",
           sizes + " bytes for format " + quoted, std::to_string(itemsize) + " bytes");
  }
  if (size > 1 && big_endian != (std::endian::native == std::endian::big)) {
    const char* machine = std::endian::native == std::endian::big ? "big-endian" : "little-endian";
    refuse(StatusCode::kInvalidArgument, std::string(name) + " must be in the machine's byte order", machine,
           std::string(big_endian ? "big-endian" : "little-endian") + " buffer format " + quoted);
  }
  return dtype_of(element->kind, itemsize);
}

void release_buffer(void* handle) {
  auto* buffer = static_cast<Py_buffer*>(handle);
  PyBuffer_Release(buffer);
  delete buffer;
}

std::string byte_strides(const Py_buffer& buffer) {
  std::string text = "[";
  for (int d = 0; d < buffer.ndim; ++d) text += (d ? ", " : "") + std::to_string(buffer.strides[d]);
  return text + "]";
}

/// PEP 3118: len is product(shape) * itemsize, whatever the strides. An exporter whose length
/// disagrees with its shape describes memory it may not have. A negative extent is left to the
/// library, which reports it with the shape.
void check_length(const Py_buffer& buffer, const char* name) {
  int64_t bytes = buffer.itemsize;
  bool fits = true;
  std::string product;
  for (int d = 0; d < buffer.ndim; ++d) {
    if (buffer.shape[d] < 0) return;
    fits = fits && detail::checked_mul(bytes, static_cast<int64_t>(buffer.shape[d]), bytes);
    product += std::to_string(buffer.shape[d]) + " * ";
  }
  if (fits && bytes == buffer.len) return;
  product = "len = " + product + std::to_string(buffer.itemsize);
  refuse(StatusCode::kInvalidArgument, std::string(name) + " exported a buffer whose length does not match its shape",
         fits ? product + " = " + std::to_string(bytes) + " bytes" : product + " bytes, a product that overflows int64",
         std::to_string(buffer.len) + " bytes");
}

}  // namespace

ImportedArray import_buffer(nb::handle array, const char* name, bool written) {
  ImportedArray imported;
  auto* buffer = new Py_buffer{};
  if (PyObject_GetBuffer(array.ptr(), buffer, PyBUF_FULL_RO) != 0) {
    delete buffer;
    refuse_raised(std::string(name) + " could not be exported through the buffer protocol",
                  "a " + python_type_name(array) + " buffer with shape, strides and format");
  }
  imported.lease = ArrayLease(buffer, release_buffer);  // released on every path from here on
  if (written && buffer->readonly != 0) {
    refuse(StatusCode::kInvalidArgument, std::string(name) + " must be writable", "a writable array",
           "a read-only " + python_type_name(array));
  }
  if (buffer->ndim < 0 || (buffer->ndim > 0 && buffer->shape == nullptr)) {
    refuse(StatusCode::kInvalidArgument, std::string(name) + " exported a buffer without a shape",
           "a shape of ndim >= 0 dims", "ndim " + std::to_string(buffer->ndim) + " and no shape");
  }
  if (buffer->suboffsets != nullptr) {
    for (int d = 0; d < buffer->ndim; ++d) {
      if (buffer->suboffsets[d] >= 0) {
        refuse(StatusCode::kInvalidArgument, std::string(name) + " is an indirect buffer (PIL-style suboffsets)",
               "directly addressed memory", "a suboffset in dim " + std::to_string(d));
      }
    }
  }
  if (buffer->itemsize < 1) {
    refuse(StatusCode::kInvalidArgument, std::string(name) + " exported a buffer with no item size", ">= 1 byte",
           std::to_string(buffer->itemsize) + " bytes");
  }
  check_length(*buffer, name);
  TensorView& view = imported.view;
  view.data = buffer->buf;
  view.dtype = dtype_from_format(buffer->format, buffer->itemsize, name);
  view.device = Device::kCpu;
  view.rank = buffer->ndim;  // a rank above kMaxRank is kept so the library can report it
  const int stored = buffer->ndim < kMaxRank ? buffer->ndim : kMaxRank;
  for (int d = 0; d < stored; ++d) view.shape[static_cast<size_t>(d)] = buffer->shape[d];
  if (buffer->strides == nullptr) {
    // C-contiguous by the protocol's rule. An element count that overflows leaves strides the
    // library never reads, since it refuses the shape first.
    (void)detail::row_major_strides(view.shape.data(), stored, view.strides.data());
    return imported;
  }
  for (int d = 0; d < stored; ++d) {
    if (buffer->strides[d] % buffer->itemsize != 0) {
      refuse(StatusCode::kInvalidArgument, std::string(name) + " must have strides of whole elements",
             "byte strides that are multiples of the item size " + std::to_string(buffer->itemsize),
             "byte strides " + byte_strides(*buffer));
    }
    view.strides[static_cast<size_t>(d)] = buffer->strides[d] / buffer->itemsize;
  }
  return imported;
}

}  // namespace advstep::python
