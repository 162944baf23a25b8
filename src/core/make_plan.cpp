// Every argument check of advance_step, in the order of spec section 4 (step 5, memory, in
// check_memory.cpp). Each rule is written once.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "advstep/detail/checked_arithmetic.hpp"
#include "core/check_rules.hpp"
#include "core/message.hpp"
#include "core/plan.hpp"
#include "variants/flashinfer/flashinfer_plan.hpp"

namespace advstep::core {

Names attribute_names(Contract contract) {
  if (contract == Contract::kVllm) return {"num_seqs", "num_queries", "block_size"};
  return {"numSeqs", "numQueries", "blockSize"};
}

namespace {

/// What CANN's tiling reserves on both paths (RESERVED_WORKSPACE_SIZE); its kernels never use it.
constexpr uint64_t kAscendWorkspaceBytes = uint64_t{32} << 20;

bool present(const TensorDesc* tensor) {
  return tensor != nullptr && tensor->numel() != 0;
}

// ---- step 1: null pointers --------------------------------------------------------------------

Status check_nulls(const Request& request, Path& path) {
  const char* api = request.api;
  for (int32_t r = 0; r < kRequiredRoleCount; ++r) {
    if (request.tensors[static_cast<size_t>(r)] == nullptr) {
      return fail(StatusCode::kNullPointer, api,
                  concat(role_name(static_cast<TensorRole>(r), request.contract), " must not be null"), "a tensor",
                  "nullptr");
    }
  }
  path = Path::kPlain;
  if (request.accepts_speculative) {
    const bool has_spec = present(request.tensors[static_cast<size_t>(TensorRole::kSpecToken)]);
    const bool has_accepted = present(request.tensors[static_cast<size_t>(TensorRole::kAcceptedNum)]);
    // The Ascend kernel's tiling takes the speculative path only when both are given and non-empty,
    // and otherwise the V1 path with all its rules; CANN's documentation (and vLLM mode) says 161001.
    const bool ascend = request.options.semantics == Semantics::kAscend;
    if (has_spec != has_accepted && !ascend) {
      const char* given = role_name(has_spec ? TensorRole::kSpecToken : TensorRole::kAcceptedNum, request.contract);
      const char* missing = role_name(has_spec ? TensorRole::kAcceptedNum : TensorRole::kSpecToken, request.contract);
      // Say which state the other one is in: null, or given with no element (a [N, 0] specToken).
      const TensorDesc* other =
          request.tensors[static_cast<size_t>(has_spec ? TensorRole::kAcceptedNum : TensorRole::kSpecToken)];
      const std::string state =
          other == nullptr ? concat(missing, " null") : concat(missing, " empty, shape ", shape_string(*other));
      return fail(StatusCode::kNullPointer, api, concat(missing, " must be given together with ", given),
                  "both or neither", concat(given, " only (", state, ")"));
    }
    if (has_spec && has_accepted) path = Path::kSpeculative;
  }
  if (!request.workspace_size_given) {
    return fail(StatusCode::kNullPointer, api, "workspaceSize must not be null", "a uint64_t*", "nullptr");
  }
  if (!request.executor_given) {
    return fail(StatusCode::kNullPointer, api, "executor must not be null", "an aclOpExecutor**", "nullptr");
  }
  return {};
}

// ---- step 2: dtypes ---------------------------------------------------------------------------

}  // namespace

bool index_role(TensorRole role) {
  return role != TensorRole::kInputTokens && role != TensorRole::kInputPositions && role != TensorRole::kSlotMapping;
}

bool allows_int32(const Request& request, TensorRole role) {
  return request.contract == Contract::kVllm && request.options.semantics == Semantics::kVllm && index_role(role);
}

namespace {

Status check_dtypes(const Request& request, int32_t role_count) {
  // Under Ascend semantics an optional input given to a V2 call that takes the V1 path is still
  // checked, as CANN's generated wrapper checks every tensor it is given.
  const bool ascend = request.options.semantics == Semantics::kAscend;
  for (int32_t r = 0; r < static_cast<int32_t>(kSpeculativeRoles.size()); ++r) {
    const auto role = static_cast<TensorRole>(r);
    if (r >= role_count && !(ascend && request.tensors[static_cast<size_t>(r)] != nullptr)) continue;
    const TensorDesc& tensor = *request.tensors[static_cast<size_t>(r)];
    const bool ok =
        tensor.type == ElementType::kInt64 || (tensor.type == ElementType::kInt32 && allows_int32(request, role));
    if (!ok) {
      const bool ascend_only =
          request.contract == Contract::kVllm && tensor.type == ElementType::kInt32 && index_role(role);
      const char* expected = allows_int32(request, role)           ? "int32 or int64"
                             : ascend_only                         ? "int64 (the Ascend kernels compute on int64 only)"
                             : request.contract == Contract::kVllm ? "int64"
                                                                   : "INT64";
      return fail(StatusCode::kInvalidArgument, request.api,
                  concat(role_name(role, request.contract), " has an unsupported dtype"), expected, tensor.type_name);
    }
  }
  return {};
}

// ---- step 3: attributes -----------------------------------------------------------------------

/// Ascend semantics, V2 taking the V1 path: the tiling checks each optional input that was given
/// with elements before it falls back (specToken [N, S], acceptedNum [N]; 561002). An empty one
/// counts as absent there, and is not checked.
Status check_optionals_before_fallback(const Request& request) {
  const char* n_name = attribute_names(request.contract).num_seqs;
  for (const TensorRole role : {TensorRole::kSpecToken, TensorRole::kAcceptedNum}) {
    const TensorDesc* tensor = request.tensors[static_cast<size_t>(role)];
    if (!present(tensor)) continue;
    const bool spec = role == TensorRole::kSpecToken;
    if (tensor->rank != (spec ? 2 : 1) || tensor->dim(0) != request.num_seqs) {
      const char* name = role_name(role, request.contract);
      return fail(StatusCode::kOutOfRange, request.api,
                  concat(name, " must be ", spec ? "[N, S]" : "[N]", " with N = ", n_name,
                         " (Ascend semantics: the tiling checks a given optional input before taking the V1 path)"),
                  spec ? concat("[", request.num_seqs, ", S]") : concat("[", request.num_seqs, "]"),
                  shape_string(*tensor));
    }
  }
  return {};
}

}  // namespace

Status check_options(const Request& request) {
  const Options& options = request.options;
  const char* api = request.api;
  if (options.semantics != Semantics::kVllm && options.semantics != Semantics::kAscend) {
    return fail(StatusCode::kInvalidArgument, api, "semantics must name a semantics", "vllm or ascend",
                static_cast<int32_t>(options.semantics));
  }
  if (options.block_bound != BlockBound::kTable && options.block_bound != BlockBound::kRow) {
    return fail(StatusCode::kInvalidArgument, api, "block_bound must name a bound", "table or row",
                static_cast<int32_t>(options.block_bound));
  }
  // One rule for every semantics: a core count is checked even where it is unused (vLLM's formula
  // has none), so a bad one is never silently ignored. 0 asks the SoC; the entry points resolve it
  // before planning under ascend semantics, so only vllm semantics brings a 0 here.
  const int64_t fewest = options.semantics == Semantics::kAscend ? 1 : 0;
  if (options.ascend_cores < fewest || options.ascend_cores > kMaxAscendCores) {
    return fail(StatusCode::kInvalidArgument, api, "ascend_cores must be 0 (the SoC's count) or a vector-core count",
                concat(fewest, "..", kMaxAscendCores), options.ascend_cores);
  }
  return {};
}

namespace {

Status check_attributes(const Request& request, Path path) {
  const Names names = attribute_names(request.contract);
  const char* api = request.api;
  const auto at_least_one = [&](const char* name, int64_t value) -> Status {
    if (value >= 1) return {};
    return fail(StatusCode::kOutOfRange, api, concat(name, " must be at least 1"), ">= 1", value);
  };
  if (Status s = at_least_one(names.num_seqs, request.num_seqs); !s.ok()) return s;
  if (Status s = at_least_one(names.num_queries, request.num_queries); !s.ok()) return s;
  if (Status s = at_least_one(names.block_size, request.block_size); !s.ok()) return s;
  const bool ascend = request.options.semantics == Semantics::kAscend;
  if (ascend && path == Path::kPlain) {  // the tiling's order: attributes >= 1, optionals, then V1's rules
    if (Status s = check_optionals_before_fallback(request); !s.ok()) return s;
  }
  if (request.num_seqs >= kMaxNumSeqs) {
    return fail(StatusCode::kOutOfRange, api, concat(names.num_seqs, " must be below ", kMaxNumSeqs),
                concat("< ", kMaxNumSeqs), request.num_seqs);
  }
  if (path == Path::kSpeculative) {
    if (ascend && request.block_size > std::numeric_limits<int32_t>::max()) {
      // The speculative kernel divides and multiplies by int32(blockSize): a larger one is no block size there.
      return fail(StatusCode::kOutOfRange, api,
                  concat(names.block_size, " must fit int32 under Ascend semantics (its kernel computes in int32)"),
                  concat("<= ", std::numeric_limits<int32_t>::max()), request.block_size);
    }
    // CANN's documentation asks for numQueries == numSeqs here, but its speculative tiling and kernel
    // never read numQueries: the NPU runs any numQueries >= 1, so Ascend semantics does too.
    if (request.num_queries != request.num_seqs && !ascend) {
      return fail(StatusCode::kOutOfRange, api,
                  concat(names.num_queries, " must equal ", names.num_seqs, " on the speculative path"),
                  request.num_seqs, request.num_queries);
    }
  } else if (request.contract == Contract::kCann || ascend) {
    if (request.num_seqs <= request.num_queries) {
      // The native contract allows N == Q; the Ascend V1 kernel (and CANN) need a padding row.
      const char* why = request.contract == Contract::kCann ? "" : " (Ascend semantics: its V1 kernel needs N > Q)";
      return fail(StatusCode::kOutOfRange, api,
                  concat(names.num_seqs, " must be greater than ", names.num_queries, why),
                  concat("> ", request.num_queries), request.num_seqs);
    }
  } else if (request.num_seqs < request.num_queries) {
    return fail(StatusCode::kOutOfRange, api, concat(names.num_seqs, " must be at least ", names.num_queries),
                concat(">= ", request.num_queries), request.num_seqs);
  }
  return {};
}

// ---- step 4: shapes ---------------------------------------------------------------------------

std::string expected_shape(const ShapeRule& rule) {
  std::string text;
  if (rule.flat_allowed) text = concat("[", rule.columns < 0 ? rule.rows : rule.rows * rule.columns, "]");
  if (rule.flat_allowed && rule.matrix_allowed) text += " or ";
  if (rule.matrix_allowed) {
    const std::string columns = rule.columns < 0 ? concat(rule.any_columns, " >= 1") : std::to_string(rule.columns);
    text += concat("[", rule.rows, ", ", columns, "]");
  }
  return text;
}

}  // namespace

Status check_shape(const Request& request, TensorRole role, const ShapeRule& rule) {
  const TensorDesc& tensor = *request.tensors[static_cast<size_t>(role)];
  const char* name = role_name(role, request.contract);
  const char* api = request.api;
  if (tensor.numel() < 0 || !((tensor.rank == 1 && rule.flat_allowed) || (tensor.rank == 2 && rule.matrix_allowed))) {
    return fail(StatusCode::kOutOfRange, api, concat(name, " must be ", rule.shape_name), expected_shape(rule),
                shape_string(tensor));
  }
  const bool flat_holds_columns = tensor.rank == 1 && rule.columns > 1;
  const int64_t rows = flat_holds_columns ? rule.rows * rule.columns : rule.rows;
  if (tensor.dim(0) != rows) {
    // On the speculative path the columns are E = S + 1, S being what specToken's shape says.
    const std::string rows_name = !flat_holds_columns ? std::string(rule.rows_name)
                                  : rule.columns_are_e
                                      ? concat(rule.rows_name, " * E (E = S + 1 = ", rule.columns, ", S from dim 1 of ",
                                               role_name(TensorRole::kSpecToken, request.contract), ")")
                                      : concat(rule.rows_name, " * ", rule.columns);
    return fail(StatusCode::kOutOfRange, api, concat(name, " dim 0 must equal ", rows_name), rows, tensor.dim(0));
  }
  if (tensor.rank == 2 && rule.columns >= 0 && tensor.dim(1) != rule.columns) {
    return fail(StatusCode::kOutOfRange, api, concat(name, " must be ", rule.shape_name), expected_shape(rule),
                shape_string(tensor));
  }
  if (tensor.rank == 2 && rule.columns < 0 && tensor.dim(1) < 1) {
    return fail(StatusCode::kOutOfRange, api, concat(name, " must hold at least one block per sequence"),
                expected_shape(rule), shape_string(tensor));
  }
  return {};
}

namespace {

Status check_shapes(const Request& request, Path path, int64_t& spec_num) {
  const Names names = attribute_names(request.contract);
  const int64_t n = request.num_seqs;
  spec_num = 0;
  if (path == Path::kSpeculative) {
    const ShapeRule spec{"[N, S]", names.num_seqs, n, -1, false, true, "S"};
    if (Status s = check_shape(request, TensorRole::kSpecToken, spec); !s.ok()) return s;
    spec_num = request.tensors[static_cast<size_t>(TensorRole::kSpecToken)]->dim(1);
    // N * E, the per-token tensors' length, is computed below and by the kernels: it must fit.
    int64_t width = 0;
    int64_t tokens = 0;
    if (!detail::checked_add(spec_num, int64_t{1}, width) || !detail::checked_mul(n, width, tokens)) {
      return fail(StatusCode::kOutOfRange, request.api,
                  concat(role_name(TensorRole::kSpecToken, request.contract), " dim 1 (S) must leave ", names.num_seqs,
                         " * (S + 1) tokens within int64"),
                  concat("S <= ", std::numeric_limits<int64_t>::max() / n - 1), spec_num);
    }
    const ShapeRule accepted{"[N]", names.num_seqs, n, 1, true, false};
    if (Status s = check_shape(request, TensorRole::kAcceptedNum, accepted); !s.ok()) return s;
  }
  const int64_t width = spec_num + 1;  // E: tokens per sequence
  const bool speculative = path == Path::kSpeculative;
  // The Ascend V2 tiling takes the per-token tensors 1-D only ([N*E], so all four alike).
  const bool ascend = request.options.semantics == Semantics::kAscend;
  const ShapeRule per_token = !speculative ? ShapeRule{"[N] or [N, 1]", names.num_seqs, n, 1, true, true}
                              : ascend     ? ShapeRule{"[N*E] (Ascend semantics: 1-D, as its tiling requires)",
                                                   names.num_seqs,
                                                   n,
                                                   width,
                                                   true,
                                                   false,
                                                   "W",
                                                   true}
                                       : ShapeRule{"[N*E] or [N, E]", names.num_seqs, n, width, true, true, "W", true};
  for (TensorRole role : kInOutRoles) {
    if (Status s = check_shape(request, role, per_token); !s.ok()) return s;
  }
  const ShapeRule table = speculative ? ShapeRule{"[N, W]", names.num_seqs, n, -1, false, true}
                                      : ShapeRule{"[N, W] or [N]", names.num_seqs, n, -1, true, true};
  if (Status s = check_shape(request, TensorRole::kBlockTables, table); !s.ok()) return s;
  const ShapeRule sampled = speculative ? ShapeRule{"[N, E]", names.num_seqs, n, width, false, true}
                                        : ShapeRule{"[Q, 1]", names.num_queries, request.num_queries, 1, false, true};
  return check_shape(request, TensorRole::kSampledTokenIds, sampled);
}

}  // namespace

const char* role_name(TensorRole role, Contract contract) {
  // The FlashInfer tensors have no CANN name (CANN has no such operator): vLLM's on both contracts.
  static constexpr std::array<const char*, kRoleCount> kCann = {
      "inputTokens",      "sampledTokenIds", "inputPositions",         "seqLens",
      "slotMapping",      "blockTables",     "specTokenOptional",      "acceptedNumOptional",
      "paged_kv_indices", "paged_kv_indptr", "paged_kv_last_page_len", "block_table_bound"};
  static constexpr std::array<const char*, kRoleCount> kVllm = {
      "input_tokens",           "sampled_token_ids", "input_positions", "seq_lens",         "slot_mapping",
      "block_tables",           "spec_token",        "accepted_num",    "paged_kv_indices", "paged_kv_indptr",
      "paged_kv_last_page_len", "block_table_bound"};
  return (contract == Contract::kCann ? kCann : kVllm)[static_cast<size_t>(role)];
}

void fill_common(const Request& request, Plan& plan) {
  plan.api = request.api;
  plan.contract = request.contract;
  plan.num_seqs = request.num_seqs;
  plan.num_queries = request.num_queries;
  plan.block_size = request.block_size;
  const TensorDesc& table = plan.tensor(TensorRole::kBlockTables);
  plan.table_numel = table.numel();
  plan.table_stride = plan.table_numel / table.dim(0);
  plan.semantics = request.options.semantics;
  plan.block_bound = request.options.block_bound;
}

Status make_plan(const Request& request, const MemoryDomain* memory, Plan& plan) {
  if (request.flashinfer) return variants::make_flashinfer_plan(request, memory, plan);
  Path path = Path::kPlain;
  if (Status s = check_nulls(request, path); !s.ok()) return s;
  const auto role_count =
      static_cast<int32_t>(path == Path::kSpeculative ? kSpeculativeRoles.size() : kDecodeRoles.size());
  if (Status s = check_dtypes(request, role_count); !s.ok()) return s;
  if (Status s = check_options(request); !s.ok()) return s;
  if (Status s = check_attributes(request, path); !s.ok()) return s;
  int64_t spec_num = 0;
  if (Status s = check_shapes(request, path, spec_num); !s.ok()) return s;

  // Filled in place: the plan is large, and a caller drops it when a check fails.
  for (int32_t r = 0; r < role_count; ++r) {
    const TensorDesc* given = request.tensors[static_cast<size_t>(r)];
    if (given != &plan.tensors[static_cast<size_t>(r)]) plan.tensors[static_cast<size_t>(r)] = *given;
  }
  fill_common(request, plan);
  const bool ascend = plan.semantics == Semantics::kAscend;
  if (path == Path::kSpeculative) {
    plan.shape = variants::SpeculativeShape{spec_num};
  } else {
    // The Ascend V1 kernel stops at min(Q, cores) rows and pads every cores-th row.
    plan.shape =
        variants::DecodeShape{ascend ? std::min(plan.num_queries, request.options.ascend_cores) : plan.num_queries,
                              ascend ? request.options.ascend_cores : 1};
  }
  plan.workspace_size = ascend ? kAscendWorkspaceBytes : 0;
  if (Status s = check_memory(plan, memory); !s.ok()) return s;
  return {};
}

}  // namespace advstep::core
