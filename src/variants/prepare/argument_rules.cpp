// The shared argument rules of the prepare-step operations (argument_rules.hpp).
#include "variants/prepare/argument_rules.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "core/message.hpp"

namespace advstep::variants {
namespace {

using core::concat;

/// The bytes a view can touch, [begin, end): strides may be any sign (inputs may be views).
struct Extent {
  uintptr_t begin = 0;
  uintptr_t end = 0;
  bool ok = true;
};

Extent extent_of(const TensorView& view) {
  const int64_t element = view.dtype == DType::kInt32 ? 4 : 8;
  Wide low = 0;
  Wide high = 0;
  for (int32_t d = 0; d < view.rank; ++d) {
    const int64_t n = view.shape[static_cast<size_t>(d)];
    if (n == 0) return {};  // no element: nothing is touched
    const Wide reach = static_cast<Wide>(n - 1) * view.strides[static_cast<size_t>(d)];
    (reach < 0 ? low : high) += reach;
  }
  const auto base = static_cast<Wide>(reinterpret_cast<uintptr_t>(view.data));
  const Wide begin = base + low * element;
  const Wide end = base + (high + 1) * element;
  if (begin < 0 || end > static_cast<Wide>(UINTPTR_MAX)) return {0, 0, false};
  return {static_cast<uintptr_t>(begin), static_cast<uintptr_t>(end), true};
}

bool contiguous(const TensorView& view) {
  int64_t expected = 1;
  for (int32_t d = view.rank - 1; d >= 0; --d) {
    const int64_t n = view.shape[static_cast<size_t>(d)];
    if (n == 0) return true;
    if (n != 1 && view.strides[static_cast<size_t>(d)] != expected) return false;
    expected *= n;
  }
  return true;
}

}  // namespace

std::string shape_text(const TensorView& view) {
  std::string text = "[";
  for (int32_t d = 0; d < view.rank; ++d) text += concat(d == 0 ? "" : ", ", view.shape[static_cast<size_t>(d)]);
  return text + "]";
}

Status ArgumentRules::fail(StatusCode code, const std::string& what, const std::string& expected,
                           const std::string& got) const {
  return core::fail(code, api_, what, expected, got);
}

Status ArgumentRules::present(const std::vector<Named>& required) const {
  for (const Named& tensor : required) {
    if (!tensor.given()) {
      return fail(StatusCode::kNullPointer, concat(tensor.name, " is required"), "a tensor", "none");
    }
  }
  return {};
}

Status ArgumentRules::needed(bool when, const Named& tensor, const char* because) const {
  if (!when || tensor.given()) return {};
  return fail(StatusCode::kNullPointer, concat(tensor.name, " is required when ", because), "a tensor", "none");
}

Status ArgumentRules::dtype(const Named& tensor) const {
  if (!tensor.given() || tensor.view->dtype == DType::kInt32 || tensor.view->dtype == DType::kInt64) return {};
  return fail(StatusCode::kInvalidArgument, concat(tensor.name, " has an unsupported dtype"), "int32 or int64",
              dtype_name(tensor.view->dtype));
}

Status ArgumentRules::shape_failure(const Named& tensor, const std::string& rule) const {
  return fail(StatusCode::kOutOfRange, concat(tensor.name, " must be ", rule), rule, shape_text(*tensor.view));
}

Status ArgumentRules::state_vector(const Named& tensor, bool allow_column) const {
  const bool ok = (tensor.view->rank == 1 && tensor.dim(0) >= 0) ||
                  (allow_column && tensor.view->rank == 2 && tensor.dim(0) >= 0 && tensor.dim(1) == 1);
  return shape(ok, tensor, allow_column ? "[Rmax] or [Rmax, 1]" : "[Rmax]");
}

Status ArgumentRules::scalar_failure(const std::string& name, const std::string& rule, int64_t value) const {
  return fail(StatusCode::kOutOfRange, concat(name, " must be ", rule), rule, std::to_string(value));
}

Status ArgumentRules::memory(const std::vector<Named>& tensors) const {
  std::vector<Extent> extents;
  for (const Named& tensor : tensors) {
    if (tensor.given() && tensor.output && !contiguous(*tensor.view)) {
      return fail(StatusCode::kInvalidArgument, concat(tensor.name, " must be contiguous (an output)"),
                  "row-major strides", "other strides");
    }
    const Extent extent = tensor.given() ? extent_of(*tensor.view) : Extent{};
    if (!extent.ok) {
      return fail(StatusCode::kInvalidArgument, concat(tensor.name, " spans more bytes than an address can reach"),
                  "a view within the address space", shape_text(*tensor.view));
    }
    const size_t element = tensor.view->dtype == DType::kInt32 ? 4 : 8;
    if (tensor.given() && reinterpret_cast<uintptr_t>(tensor.view->data) % element != 0) {
      return fail(StatusCode::kInvalidArgument, concat(tensor.name, " must be aligned to its elements"),
                  concat("an address that is 0 mod ", element), "a misaligned address");
    }
    extents.push_back(extent);
  }
  for (size_t a = 0; a < tensors.size(); ++a) {
    for (size_t b = a + 1; b < tensors.size(); ++b) {
      if (!tensors[a].output && !tensors[b].output) continue;  // inputs may share memory
      const Extent x = extents[a];
      const Extent y = extents[b];
      if (x.begin < y.end && y.begin < x.end) {
        return fail(StatusCode::kInvalidArgument, concat(tensors[a].name, " overlaps ", tensors[b].name),
                    "disjoint memory", "overlapping bytes");
      }
    }
  }
  return {};
}

Status ArgumentRules::host_only(const std::vector<Named>& tensors) const {
  for (const Named& tensor : tensors) {
    if (tensor.given() && tensor.view->device != Device::kCpu) {
      return fail(StatusCode::kInvalidArgument,
                  concat(tensor.name, " is a CUDA tensor: the operation has no CUDA kernel"), "host memory",
                  "CUDA memory");
    }
  }
  return {};
}

IndexInput input_of(const TensorView& view) {
  IndexInput input;
  if (view.rank == 0) return input;
  input.data = view.data;
  input.given = true;
  input.narrow = view.dtype == DType::kInt32;
  input.rows = view.shape[0];
  input.row_stride = view.strides[0];
  if (view.rank == 2) {
    input.columns = view.shape[1];
    input.column_stride = view.strides[1];
  }
  return input;
}

IndexOutput output_of(const TensorView& view) {
  IndexOutput output;
  if (view.rank == 0) return output;
  output.data = view.data;
  output.given = true;
  output.narrow = view.dtype == DType::kInt32;
  output.numel = view.shape[0] * (view.rank == 2 ? view.shape[1] : 1);
  return output;
}

}  // namespace advstep::variants
