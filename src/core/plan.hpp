// What a caller asks of advance_step, and the checked plan the kernels run.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "advstep/options.hpp"
#include "advstep/status.hpp"
#include "core/tensor_desc.hpp"
#include "variants/variants.hpp"

namespace advstep::core {

/// The tensor arguments, in the operator's input order (the executor address setters use it).
enum class TensorRole : int32_t {
  kInputTokens = 0,
  kSampledTokenIds,
  kInputPositions,
  kSeqLens,
  kSlotMapping,
  kBlockTables,
  kSpecToken,
  kAcceptedNum,
  kPagedKvIndices,  ///< FlashInfer: the CSR page list it writes
  kPagedKvIndptr,
  kPagedKvLastPageLen,
  kBlockTableBound,
};
inline constexpr int32_t kRoleCount = 12;
/// The tensors every variant takes (the decode step's), first in the operator's input order.
inline constexpr int32_t kRequiredRoleCount = 6;

/// The four tensors every variant writes in place.
inline constexpr std::array<TensorRole, 4> kInOutRoles = {TensorRole::kInputTokens, TensorRole::kInputPositions,
                                                          TensorRole::kSeqLens, TensorRole::kSlotMapping};

/// Whether a variant writes tensors of @p role (the others are only read).
inline constexpr bool is_written(TensorRole role) {
  for (const TensorRole written : kInOutRoles) {
    if (written == role) return true;
  }
  return role >= TensorRole::kPagedKvIndices;
}

/// The roles each variant takes, in its order (Path is the index into variants::Shape).
inline constexpr std::array<TensorRole, 6> kDecodeRoles = {TensorRole::kInputTokens,    TensorRole::kSampledTokenIds,
                                                           TensorRole::kInputPositions, TensorRole::kSeqLens,
                                                           TensorRole::kSlotMapping,    TensorRole::kBlockTables};
inline constexpr std::array<TensorRole, 8> kSpeculativeRoles = {
    TensorRole::kInputTokens, TensorRole::kSampledTokenIds, TensorRole::kInputPositions, TensorRole::kSeqLens,
    TensorRole::kSlotMapping, TensorRole::kBlockTables,     TensorRole::kSpecToken,      TensorRole::kAcceptedNum};
inline constexpr std::array<TensorRole, 10> kFlashInferRoles = {
    TensorRole::kInputTokens,    TensorRole::kSampledTokenIds, TensorRole::kInputPositions,
    TensorRole::kSeqLens,        TensorRole::kSlotMapping,     TensorRole::kBlockTables,
    TensorRole::kPagedKvIndices, TensorRole::kPagedKvIndptr,   TensorRole::kPagedKvLastPageLen,
    TensorRole::kBlockTableBound};

/// Whose rules apply: CANN's (INT64 only, numSeqs > numQueries, camelCase names) or vLLM's
/// (int32 seq_lens/block_tables allowed, num_seqs >= num_queries, snake_case names).
enum class Contract : int32_t { kCann, kVllm };

/// Lambdas as one visitor: std::visit(Overloaded{[](const A&) {...}, [](const B&) {...}}, value).
template <typename... Arms>
struct Overloaded : Arms... {
  using Arms::operator()...;
};
/// Spelled out: Clang before 17 deduces no aggregate's template arguments by itself.
template <typename... Arms>
Overloaded(Arms...) -> Overloaded<Arms...>;

/// Which variant a plan runs: the index of its shape in variants::Shape (variants/variants.hpp).
enum class Path : int32_t { kPlain = 0, kSpeculative = 1, kFlashInfer = 2 };

/// Pre-check arguments. A null tensor pointer means "not given"; a pointer may point into the very
/// plan make_plan fills (the C API describes its tensors there), and is then kept where it is.
struct Request {
  const char* api = "advance_step";
  Contract contract = Contract::kCann;
  bool accepts_speculative = false;  ///< the V2 entry point: specToken/acceptedNum are considered
  bool flashinfer = false;           ///< the FlashInfer variant (variants/flashinfer/)
  std::array<const TensorDesc*, kRoleCount> tensors{};
  int64_t num_seqs = 0;
  int64_t num_queries = 0;
  int64_t block_size = 0;
  bool workspace_size_given = true;  ///< C API out-pointers, checked with the null tensors
  bool executor_given = true;
  /// Semantics and block bound; ascend_cores must already be resolved (>= 1) for kAscend.
  Options options;
};

/// Arguments that passed every check. Tensors are copies, so callers may re-point or drop theirs.
struct Plan {
  const char* api = "advance_step";
  Contract contract = Contract::kCann;
  /// The variant, as a value the kernels visit, with what it alone needs (rows written, S, ...).
  variants::Shape shape;
  std::array<TensorDesc, kRoleCount> tensors{};
  int64_t num_seqs = 0;
  int64_t num_queries = 0;
  int64_t block_size = 1;
  int64_t table_stride = 0;  ///< numel(blockTables) / dim0
  int64_t table_numel = 0;
  /// Whose formula the kernels run (core/formula.hpp dispatches on it once per call).
  Semantics semantics = Semantics::kVllm;
  BlockBound block_bound = BlockBound::kTable;
  /// The workspace phase 1 reports: none on the host, CANN's 32 MiB under Ascend semantics.
  uint64_t workspace_size = 0;

  [[nodiscard]] const TensorDesc& tensor(TensorRole role) const { return tensors[static_cast<size_t>(role)]; }
  [[nodiscard]] TensorDesc& tensor(TensorRole role) { return tensors[static_cast<size_t>(role)]; }
  [[nodiscard]] Path path() const { return static_cast<Path>(shape.index()); }
  /// S on the speculative path, else 0.
  [[nodiscard]] int64_t spec_num() const {
    const auto* speculative = std::get_if<variants::SpeculativeShape>(&shape);
    return speculative != nullptr ? speculative->spec_num : 0;
  }
  /// The roles this plan's variant takes, in its order.
  [[nodiscard]] std::span<const TensorRole> roles() const {
    switch (path()) {
      case Path::kSpeculative:
        return kSpeculativeRoles;
      case Path::kFlashInfer:
        return kFlashInferRoles;
      case Path::kPlain:
        break;
    }
    return kDecodeRoles;
  }
  /// The C API's input count (its executor address setters index the roles): 6 (V1) or 8 (V2).
  [[nodiscard]] int32_t role_count() const { return static_cast<int32_t>(roles().size()); }
};

/// Decides whether a tensor's memory may be used: device memory of the runtime, large enough.
class MemoryDomain {
 public:
  virtual ~MemoryDomain() = default;
  /// @param name the parameter's name for the message; @param bytes the extent from first().
  [[nodiscard]] virtual Status check(const char* api, const char* name, const TensorDesc& tensor,
                                     int64_t bytes) const = 0;
};

/// The parameter's name under the contract: "seqLens" for CANN, "seq_lens" for vLLM.
const char* role_name(TensorRole role, Contract contract);

/// Runs every check of spec section 4 in its order (null, dtype, attributes, shapes, memory) and
/// fills @p plan, whose contents are unspecified when a check fails. @p memory may be null: then
/// only layout and overlap are checked.
Status make_plan(const Request& request, const MemoryDomain* memory, Plan& plan);

/// Step 5 alone (layout, memory, overlap), for plans whose addresses changed since make_plan.
Status check_memory(const Plan& plan, const MemoryDomain* memory);

}  // namespace advstep::core
