// The argument rules the prepare-step operations share (prepare_step.md sections 4 and 10), each
// written once: a missing tensor, a dtype, a shape, a scalar, memory. Every message names the
// operation, the parameter, the rule, the expected and the actual value. Nothing here reads a value
// of a tensor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "advstep/status.hpp"
#include "advstep/tensor_view.hpp"
#include "core/message.hpp"
#include "variants/prepare/index_tensor.hpp"

namespace advstep::variants {

/// A tensor with its parameter name; rank 0 (a default TensorView) is "not given". @p output: the
/// operation writes it (outputs must be contiguous and overlap nothing).
struct Named {
  std::string name;
  const TensorView* view;
  bool output;
  [[nodiscard]] bool given() const { return view->rank != 0; }
  [[nodiscard]] int64_t dim(int32_t d) const { return view->shape[static_cast<size_t>(d)]; }
};

/// "[2, 3]"
std::string shape_text(const TensorView& view);

/// The rules, as one operation (@p api, e.g. "advstep::post_update") reports them. A rule on a
/// tensor that is not given passes.
class ArgumentRules {
 public:
  explicit ArgumentRules(const char* api) : api_(api) {}

  /// "api: what (expected E, got G)" with @p code.
  [[nodiscard]] Status fail(StatusCode code, const std::string& what, const std::string& expected,
                            const std::string& got) const;
  /// Class 1: every tensor of @p required is given.
  [[nodiscard]] Status present(const std::vector<Named>& required) const;
  /// Class 1: @p tensor is given when @p when holds (@p because says why it is needed).
  [[nodiscard]] Status needed(bool when, const Named& tensor, const char* because) const;
  /// Class 2: int32 or int64.
  [[nodiscard]] Status dtype(const Named& tensor) const;
  /// Class 3: @p ok, else "name must be rule". A rule (here and below) is text, or a
  /// core::deferred_concat that makes it only when the check fails.
  template <typename Rule>
  [[nodiscard]] Status shape(bool ok, const Named& tensor, const Rule& rule) const {
    if (ok || !tensor.given()) return {};
    return shape_failure(tensor, core::text_of(rule));
  }
  /// Class 3: 1-D with exactly @p exactly elements (when >= 0), else with at least @p at_least.
  template <typename Rule>
  [[nodiscard]] Status vector(const Named& tensor, const Rule& rule, int64_t at_least, int64_t exactly = -1) const {
    const bool ok = tensor.view->rank == 1 && tensor.dim(0) >= 0 &&
                    (exactly >= 0 ? tensor.dim(0) == exactly : tensor.dim(0) >= at_least);
    return shape(ok, tensor, rule);
  }
  /// Class 3: a state vector [Rmax], or also [Rmax, 1] with @p allow_column.
  [[nodiscard]] Status state_vector(const Named& tensor, bool allow_column) const;
  /// Class 3: 2-D with at least @p min_rows rows and @p min_columns columns.
  template <typename Rule>
  [[nodiscard]] Status matrix(const Named& tensor, const Rule& rule, int64_t min_rows = 0,
                              int64_t min_columns = 0) const {
    return shape(tensor.view->rank == 2 && tensor.dim(0) >= min_rows && tensor.dim(1) >= min_columns, tensor, rule);
  }
  /// Class 4: @p ok, else "name must be rule" with the value (@p name may be deferred too).
  template <typename Name, typename Rule>
  [[nodiscard]] Status scalar(bool ok, const Name& name, const Rule& rule, int64_t value) const {
    if (ok) return {};
    return scalar_failure(core::text_of(name), core::text_of(rule), value);
  }
  /// Class 5: outputs contiguous, every view inside the address space and aligned, and no output
  /// overlapping another given tensor (inputs may share memory).
  [[nodiscard]] Status memory(const std::vector<Named>& tensors) const;
  /// The device rule of an operation without a CUDA kernel: every given tensor in host memory.
  [[nodiscard]] Status host_only(const std::vector<Named>& tensors) const;

 private:
  [[nodiscard]] Status shape_failure(const Named& tensor, const std::string& rule) const;
  [[nodiscard]] Status scalar_failure(const std::string& name, const std::string& rule, int64_t value) const;

  const char* api_;
};

/// The kernels' view of a checked tensor (not given: a default IndexInput / IndexOutput).
IndexInput input_of(const TensorView& view);
IndexOutput output_of(const TensorView& view);

}  // namespace advstep::variants
