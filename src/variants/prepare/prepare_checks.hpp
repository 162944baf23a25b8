// The argument checks shared by the prepare step's operations (prepare_step.md sections 4 and 10),
// each rule once, each message naming the operation, the parameter, the rule, and the expected and
// actual values. Nothing here reads a value of a tensor.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "advstep/status.hpp"
#include "advstep/tensor_view.hpp"
#include "variants/prepare/prepare_plan.hpp"

namespace advstep::variants {

/// A tensor with its parameter name; rank 0 (a default TensorView) is "not given".
struct Named {
  std::string name;
  const TensorView* view;
  bool output;
  [[nodiscard]] bool given() const { return view->rank != 0; }
  [[nodiscard]] int64_t dim(int32_t d) const { return view->shape[static_cast<size_t>(d)]; }
};

class PrepareChecks {
 public:
  explicit PrepareChecks(const char* api) : api_(api) {}

  [[nodiscard]] Status fail(StatusCode code, const std::string& what, const std::string& expected,
                            const std::string& got) const;
  /// Class 1: every tensor of @p required is given.
  [[nodiscard]] Status present(const std::vector<Named>& required) const;
  /// Class 1: @p tensor is given when @p when (an option needs it).
  [[nodiscard]] Status needed(bool when, const Named& tensor, const char* because) const;
  /// Class 2: int32 or int64, for each given tensor.
  [[nodiscard]] Status dtypes(const std::vector<Named>& tensors) const;
  /// Class 3.
  [[nodiscard]] Status shape(bool ok, const Named& tensor, const std::string& rule) const;
  /// 1-D with exactly @p exactly elements (when >= 0), else with at least @p at_least.
  [[nodiscard]] Status vector(const Named& tensor, const std::string& rule, int64_t at_least,
                              int64_t exactly = -1) const;
  [[nodiscard]] Status state_vector(const Named& tensor, bool allow_column) const;
  /// 2-D with at least @p min_rows rows and @p min_columns columns.
  [[nodiscard]] Status matrix(const Named& tensor, const std::string& rule, int64_t min_rows = 0,
                              int64_t min_columns = 0) const;
  /// slot_mapping [G, M], or [M] when G = 1 (10.4).
  [[nodiscard]] Status slot_mapping(const Named& slots, int64_t groups, int64_t tokens) const;
  /// Class 4.
  [[nodiscard]] Status scalar(bool ok, const std::string& name, const std::string& rule, int64_t value) const;
  /// Class 4: block_size (one per table, each >= 1) and the DCP scalars.
  [[nodiscard]] Status groups(const std::vector<int64_t>& block_size, size_t tables, int64_t cp_size,
                              int64_t cp_rank, int64_t cp_interleave) const;
  /// Class 5: outputs contiguous, every tensor aligned, no output overlapping another tensor unless
  /// the two are one of @p in_place (pairs of indices into @p tensors) and the very same view; then
  /// every tensor on one device, which @p on_device reports (true for CUDA).
  [[nodiscard]] Status memory(const std::vector<Named>& tensors, const std::vector<std::pair<size_t, size_t>>& in_place,
                              bool& on_device) const;

 private:
  const char* api_;
};

/// The tables of a call, named block_tables[g].
std::vector<Named> named_tables(const std::vector<TensorView>& tables);
IndexInput input_of(const TensorView& view);
IndexOutput output_of(const TensorView& view);
/// Puts the G groups into @p plan (after the checks: G <= kMaxPrepareGroups).
void set_groups(PreparePlan& plan, const std::vector<TensorView>& tables, const std::vector<int64_t>& block_size);

}  // namespace advstep::variants
