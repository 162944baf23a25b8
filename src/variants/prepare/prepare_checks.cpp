// The prepare step's shared argument checks (see prepare_checks.hpp).
#include "variants/prepare/prepare_checks.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/message.hpp"

namespace advstep::variants {
namespace {

using core::concat;

std::string shape_text(const TensorView& view) {
  std::string text = "[";
  for (int32_t d = 0; d < view.rank; ++d) text += concat(d == 0 ? "" : ", ", view.shape[static_cast<size_t>(d)]);
  return text + "]";
}

/// The bytes a view can touch, [begin, end): strides may be any sign (inputs may be views).
struct Extent {
  uintptr_t begin = 0;
  uintptr_t end = 0;
  bool ok = true;
};

Extent extent_of(const TensorView& view) {
  const int64_t element = view.dtype == DType::kInt32 ? 4 : 8;
  __extension__ using Wide = __int128;
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

bool same_view(const TensorView& a, const TensorView& b) {
  return a.data == b.data && a.dtype == b.dtype && a.device == b.device && a.rank == b.rank && a.shape == b.shape &&
         a.strides == b.strides;
}

}  // namespace

Status PrepareChecks::fail(StatusCode code, const std::string& what, const std::string& expected,
                           const std::string& got) const {
  return core::fail(code, api_, what, expected, got);
}

Status PrepareChecks::present(const std::vector<Named>& required) const {
  for (const Named& tensor : required) {
    if (!tensor.given()) return fail(StatusCode::kNullPointer, concat(tensor.name, " is required"), "a tensor", "none");
  }
  return {};
}

Status PrepareChecks::needed(bool when, const Named& tensor, const char* because) const {
  if (!when || tensor.given()) return {};
  return fail(StatusCode::kNullPointer, concat(tensor.name, " is required when ", because), "a tensor", "none");
}

Status PrepareChecks::dtypes(const std::vector<Named>& tensors) const {
  for (const Named& tensor : tensors) {
    if (!tensor.given() || tensor.view->dtype == DType::kInt32 || tensor.view->dtype == DType::kInt64) continue;
    return fail(StatusCode::kInvalidArgument, concat(tensor.name, " has an unsupported dtype"), "int32 or int64",
                dtype_name(tensor.view->dtype));
  }
  return {};
}

Status PrepareChecks::shape(bool ok, const Named& tensor, const std::string& rule) const {
  if (ok || !tensor.given()) return {};
  return fail(StatusCode::kOutOfRange, concat(tensor.name, " must be ", rule), rule, shape_text(*tensor.view));
}

Status PrepareChecks::vector(const Named& tensor, const std::string& rule, int64_t at_least, int64_t exactly) const {
  const bool ok = tensor.view->rank == 1 && tensor.dim(0) >= 0 &&
                  (exactly >= 0 ? tensor.dim(0) == exactly : tensor.dim(0) >= at_least);
  return shape(ok, tensor, rule);
}

Status PrepareChecks::state_vector(const Named& tensor, bool allow_column) const {
  const bool ok = (tensor.view->rank == 1 && tensor.dim(0) >= 0) ||
                  (allow_column && tensor.view->rank == 2 && tensor.dim(0) >= 0 && tensor.dim(1) == 1);
  return shape(ok, tensor, allow_column ? "[Rmax] or [Rmax, 1]" : "[Rmax]");
}

Status PrepareChecks::matrix(const Named& tensor, const std::string& rule, int64_t min_rows,
                             int64_t min_columns) const {
  return shape(tensor.view->rank == 2 && tensor.dim(0) >= min_rows && tensor.dim(1) >= min_columns, tensor, rule);
}

Status PrepareChecks::slot_mapping(const Named& slots, int64_t groups, int64_t tokens) const {
  const bool ok = (slots.view->rank == 2 && slots.dim(0) == groups && slots.dim(1) == tokens) ||
                  (slots.view->rank == 1 && groups == 1 && slots.dim(0) == tokens);
  return shape(ok, slots,
               concat("[", groups, ", ", tokens, "]", groups == 1 ? concat(" or [", tokens, "]") : "", " (G = ",
                      groups, " tables, M = ", tokens, ")"));
}

Status PrepareChecks::scalar(bool ok, const std::string& name, const std::string& rule, int64_t value) const {
  if (ok) return {};
  return fail(StatusCode::kOutOfRange, concat(name, " must be ", rule), rule, std::to_string(value));
}

Status PrepareChecks::groups(const std::vector<int64_t>& block_size, size_t tables, int64_t cp_size,
                             int64_t cp_rank, int64_t cp_interleave) const {
  if (tables > static_cast<size_t>(kMaxPrepareGroups)) {
    return fail(StatusCode::kOutOfRange, "block_tables holds more KV-cache groups than supported",
                concat("at most ", kMaxPrepareGroups, " tables"), concat(tables, " tables"));
  }
  if (block_size.size() != tables) {
    return fail(StatusCode::kOutOfRange, "block_size must hold one size per table", concat(tables, " sizes"),
                concat(block_size.size(), " sizes"));
  }
  for (size_t g = 0; g < block_size.size(); ++g) {
    if (Status st = scalar(block_size[g] >= 1, concat("block_size[", g, "]"), ">= 1", block_size[g]); !st.ok()) {
      return st;
    }
  }
  if (Status st = scalar(cp_size >= 1, "cp_size", ">= 1", cp_size); !st.ok()) return st;
  if (Status st = scalar(cp_rank >= 0 && cp_rank < cp_size, "cp_rank", concat("in [0, ", cp_size - 1, "]"), cp_rank);
      !st.ok()) {
    return st;
  }
  if (Status st = scalar(cp_interleave >= 1, "cp_interleave", ">= 1", cp_interleave); !st.ok()) return st;
  if (cp_size > 1) {
    for (size_t g = 0; g < block_size.size(); ++g) {
      const int64_t size = block_size[g];
      if (Status st = scalar(cp_interleave <= size && size % cp_interleave == 0, "cp_interleave",
                             concat("a divisor of block_size ", size, " (group ", g, ") when cp_size > 1"),
                             cp_interleave);
          !st.ok()) {
        return st;
      }
    }
  }
  return {};
}

Status PrepareChecks::memory(const std::vector<Named>& tensors, const std::vector<std::pair<size_t, size_t>>& in_place,
                             bool& on_device) const {
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
      if (!(x.begin < y.end && y.begin < x.end)) continue;
      const bool pair = std::any_of(in_place.begin(), in_place.end(), [&](const std::pair<size_t, size_t>& p) {
        return (p.first == a && p.second == b) || (p.first == b && p.second == a);
      });
      if (pair && same_view(*tensors[a].view, *tensors[b].view)) continue;
      return fail(StatusCode::kInvalidArgument,
                  concat(tensors[a].name, " overlaps ", tensors[b].name,
                         pair ? " (an in-place pair must be the very same view)" : ""),
                  "disjoint memory", "overlapping bytes");
    }
  }
  const Named* first = nullptr;
  for (const Named& tensor : tensors) {
    if (!tensor.given()) continue;
    if (first == nullptr) first = &tensor;
    if (tensor.view->device != first->view->device) {
      return fail(StatusCode::kInvalidArgument, concat(tensor.name, " is on another device than ", first->name),
                  "every tensor on one device", tensor.view->device == Device::kCpu ? "host memory" : "CUDA memory");
    }
  }
  on_device = first != nullptr && first->view->device == Device::kCuda;
  return {};
}

std::vector<Named> named_tables(const std::vector<TensorView>& tables) {
  std::vector<Named> named;
  for (size_t g = 0; g < tables.size(); ++g) named.push_back({concat("block_tables[", g, "]"), &tables[g], false});
  return named;
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

void set_groups(PreparePlan& plan, const std::vector<TensorView>& tables, const std::vector<int64_t>& block_size) {
  plan.group_count = static_cast<int32_t>(tables.size());
  for (size_t g = 0; g < tables.size(); ++g) {
    plan.groups[g] = {input_of(tables[g]), block_size[g]};
    plan.state_rows = std::min(plan.state_rows, plan.groups[g].table.rows);
  }
}

}  // namespace advstep::variants
