// The FlashInfer variant's checks, in the order of spec section 4, with the rules of section 9.
// Built from the rules every variant shares (core/check_rules.hpp); what is its own is here.
#include "variants/flashinfer/flashinfer_plan.hpp"

#include <array>

#include "core/check_rules.hpp"
#include "core/message.hpp"

namespace advstep::variants {
namespace {

using core::concat;
using core::fail;
using core::Request;
using core::ShapeRule;
using core::TensorRole;

Status check_nulls(const Request& request) {
  for (const TensorRole role : core::kFlashInferRoles) {
    if (request.tensors[static_cast<size_t>(role)] == nullptr) {
      return fail(StatusCode::kNullPointer, request.api,
                  concat(core::role_name(role, request.contract), " must not be null"), "a tensor", "nullptr");
    }
  }
  return {};
}

Status check_dtypes(const Request& request) {
  for (const TensorRole role : core::kFlashInferRoles) {
    const core::TensorDesc& tensor = *request.tensors[static_cast<size_t>(role)];
    const bool index = core::index_role(role);
    const bool ok = tensor.type == core::ElementType::kInt64 || (index && tensor.type == core::ElementType::kInt32);
    if (!ok) {
      return fail(StatusCode::kInvalidArgument, request.api,
                  concat(core::role_name(role, request.contract), " has an unsupported dtype"),
                  index ? "int32 or int64" : "int64", tensor.type_name);
    }
  }
  return {};
}

/// vLLM's semantics only: the Ascend kernels have no FlashInfer form to reproduce.
Status check_semantics(const Request& request) {
  if (request.options.semantics == Semantics::kVllm) return {};
  return fail(StatusCode::kInvalidArgument, request.api,
              "semantics must be vllm for the FlashInfer step (the Ascend kernels have no such operator)", "vllm",
              semantics_name(request.options.semantics));
}

Status check_attributes(const Request& request) {
  const core::Names names = core::attribute_names(request.contract);
  const auto at_least_one = [&](const char* name, int64_t value) -> Status {
    if (value >= 1) return {};
    return fail(StatusCode::kOutOfRange, request.api, concat(name, " must be at least 1"), ">= 1", value);
  };
  if (Status s = at_least_one(names.num_seqs, request.num_seqs); !s.ok()) return s;
  if (Status s = at_least_one(names.num_queries, request.num_queries); !s.ok()) return s;
  if (Status s = at_least_one(names.block_size, request.block_size); !s.ok()) return s;
  if (request.num_seqs >= core::kMaxNumSeqs) {
    return fail(StatusCode::kOutOfRange, request.api, concat(names.num_seqs, " must be below ", core::kMaxNumSeqs),
                concat("< ", core::kMaxNumSeqs), request.num_seqs);
  }
  if (request.num_seqs < request.num_queries) {
    return fail(StatusCode::kOutOfRange, request.api, concat(names.num_seqs, " must be at least ", names.num_queries),
                concat(">= ", request.num_queries), request.num_seqs);
  }
  return {};
}

Status check_shapes(const Request& request) {
  const core::Names names = core::attribute_names(request.contract);
  const int64_t n = request.num_seqs;
  const ShapeRule per_row{"[N] or [N, 1]", names.num_seqs, n, 1, true, true};
  for (const TensorRole role : core::kInOutRoles) {
    if (Status s = check_shape(request, role, per_row); !s.ok()) return s;
  }
  const ShapeRule table{"[N, W]", names.num_seqs, n, -1, false, true};
  if (Status s = check_shape(request, TensorRole::kBlockTables, table); !s.ok()) return s;
  // [Q', 1] or [Q'] with Q' >= Q: vLLM passes its input_tokens ([N]) here.
  const core::TensorDesc& sampled = *request.tensors[static_cast<size_t>(TensorRole::kSampledTokenIds)];
  const char* sampled_name = core::role_name(TensorRole::kSampledTokenIds, request.contract);
  const bool sampled_layout = sampled.numel() >= 0 && (sampled.rank == 1 || (sampled.rank == 2 && sampled.dim(1) == 1));
  if (!sampled_layout || sampled.dim(0) < request.num_queries) {
    return fail(StatusCode::kOutOfRange, request.api,
                concat(sampled_name, " must be [Q', 1] or [Q'] with Q' >= ", names.num_queries),
                concat("[", request.num_queries, "+, 1] or [", request.num_queries, "+]"), core::shape_string(sampled));
  }
  const core::TensorDesc& indices = *request.tensors[static_cast<size_t>(TensorRole::kPagedKvIndices)];
  if (indices.rank != 1 || indices.numel() < 0) {
    return fail(StatusCode::kOutOfRange, request.api,
                concat(core::role_name(TensorRole::kPagedKvIndices, request.contract), " must be [C]"),
                "[C] with C >= 0", core::shape_string(indices));
  }
  const ShapeRule indptr{"[N + 1]", "num_seqs + 1", n + 1, 1, true, false};
  if (Status s = check_shape(request, TensorRole::kPagedKvIndptr, indptr); !s.ok()) return s;
  const ShapeRule per_sequence{"[N]", names.num_seqs, n, 1, true, false};
  if (Status s = check_shape(request, TensorRole::kPagedKvLastPageLen, per_sequence); !s.ok()) return s;
  return check_shape(request, TensorRole::kBlockTableBound, per_sequence);
}

}  // namespace

Status make_flashinfer_plan(const Request& request, const core::MemoryDomain* memory, core::Plan& plan) {
  if (Status s = check_nulls(request); !s.ok()) return s;
  if (Status s = check_dtypes(request); !s.ok()) return s;
  if (Status s = core::check_options(request); !s.ok()) return s;
  if (Status s = check_semantics(request); !s.ok()) return s;
  if (Status s = check_attributes(request); !s.ok()) return s;
  if (Status s = check_shapes(request); !s.ok()) return s;

  for (const TensorRole role : core::kFlashInferRoles) {
    const core::TensorDesc* given = request.tensors[static_cast<size_t>(role)];
    if (given != &plan.tensor(role)) plan.tensor(role) = *given;
  }
  core::fill_common(request, plan);
  plan.block_bound = BlockBound::kRow;  // pages are copied from the sequence's own row
  plan.shape = FlashInferShape{plan.tensor(TensorRole::kPagedKvIndices).numel()};
  plan.workspace_size = 0;
  return core::check_memory(plan, memory);
}

}  // namespace advstep::variants
