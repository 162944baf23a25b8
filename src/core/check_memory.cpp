// Step 5 of spec section 4, the checks that look at memory: each tensor's layout (contiguous, aligned,
// an extent that fits an address), its memory (the domain's rule: device memory of the runtime, large
// enough), and no overlap between a written tensor and any other. make_plan runs it last; a run runs
// it again when an address changed or a block the first phase checked is no longer allocated.
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "advstep/detail/checked_arithmetic.hpp"
#include "core/message.hpp"
#include "core/plan.hpp"

namespace advstep::core {
namespace {

/// @p numel: tensor.numel(), computed once by the caller.
Status check_layout(const char* api, const char* name, const TensorDesc& tensor, int64_t numel) {
  if (tensor.offset < 0) {
    return fail(StatusCode::kInvalidArgument, api, concat(name, " offset must not be negative"), ">= 0", tensor.offset);
  }
  // The shape checks passed, so the element count, and with it every stride product, fits.
  std::array<int64_t, kMaxRank> row_major;  // the first rank entries are written, and only they are read
  if (!detail::row_major_strides(tensor.dims.data(), tensor.rank, row_major.data())) {
    return fail(StatusCode::kInvalidArgument, api, concat(name, " must hold fewer than 2^63 elements"),
                "a shape whose element count fits in int64", shape_string(tensor));
  }
  // A tensor with no element has no layout to keep (DLPack may give it any strides).
  for (int32_t d = numel == 0 ? -1 : tensor.rank - 1; d >= 0; --d) {
    if (tensor.dim(d) != 1 && tensor.strides[static_cast<size_t>(d)] != row_major[static_cast<size_t>(d)]) {
      TensorDesc contiguous = tensor;
      std::copy_n(row_major.begin(), tensor.rank, contiguous.strides.begin());
      return fail(StatusCode::kInvalidArgument, api, concat(name, " must be contiguous"),
                  concat("strides ", strides_string(contiguous)), concat("strides ", strides_string(tensor)));
    }
  }
  // The byte extent must be computable: a huge dim or offset must not wrap to a small extent that
  // then passes the allocation check.
  const auto base = reinterpret_cast<uintptr_t>(tensor.data);
  int64_t bytes = 0;
  int64_t start = 0;
  int64_t end = 0;
  if (!detail::checked_mul(numel, tensor.element_size(), bytes) ||
      !detail::checked_mul(tensor.offset, tensor.element_size(), start) || !detail::checked_add(start, bytes, end) ||
      static_cast<uintptr_t>(end) > UINTPTR_MAX - base) {
    return fail(StatusCode::kInvalidArgument, api, concat(name, " spans more bytes than an address can reach"),
                "offset + elements within the address space",
                concat(numel, " elements at offset ", tensor.offset));
  }
  // Every element must sit at a multiple of its size: a GPU faults on a misaligned load and loses
  // its context (the CPU would not notice), so the plan refuses it on every backend.
  const auto element = static_cast<uintptr_t>(tensor.element_size());
  if (const uintptr_t misalignment = reinterpret_cast<uintptr_t>(tensor.first()) % element; misalignment != 0) {
    return fail(StatusCode::kInvalidArgument, api, concat(name, " must be aligned to its ", element, "-byte elements"),
                concat("an address that is 0 mod ", element),
                concat(address_string(tensor.first()), ", ", misalignment, " mod ", element));
  }
  return {};
}

struct ByteRange {
  uintptr_t begin;
  uintptr_t end;
};

/// Only for tensors that passed check_layout: their extent does not overflow.
ByteRange byte_range(const TensorDesc& tensor, int64_t numel) {
  const auto begin = reinterpret_cast<uintptr_t>(tensor.first());
  return {begin, begin + static_cast<uintptr_t>(numel * tensor.element_size())};
}

/// Spec section 9: the FlashInfer variant reads sampled_token_ids from input_tokens itself (vLLM's
/// backend passes the one tensor twice). Only that exact alias: the same first element and dtype,
/// so each row reads the element it then writes, and every value is read before any is written.
bool allowed_alias(const Plan& plan, TensorRole a, TensorRole b) {
  if (plan.path() != Path::kFlashInfer || a != TensorRole::kInputTokens || b != TensorRole::kSampledTokenIds) {
    return false;
  }
  const TensorDesc& tokens = plan.tensor(a);
  const TensorDesc& sampled = plan.tensor(b);
  return tokens.first() == sampled.first() && tokens.type == sampled.type;
}

}  // namespace

Status check_memory(const Plan& plan, const MemoryDomain* memory) {
  const std::span<const TensorRole> roles = plan.roles();
  const auto count = static_cast<int32_t>(roles.size());
  // Each tensor's extent once: this runs on every call, and the pairs below would recompute them.
  std::array<ByteRange, kRoleCount> ranges{};
  std::array<bool, kRoleCount> written{};
  for (int32_t r = 0; r < count; ++r) {
    const TensorRole role = roles[static_cast<size_t>(r)];
    const TensorDesc& tensor = plan.tensor(role);
    const char* name = role_name(role, plan.contract);
    const int64_t numel = tensor.numel();
    if (Status s = check_layout(plan.api, name, tensor, numel); !s.ok()) return s;
    ranges[static_cast<size_t>(r)] = byte_range(tensor, numel);
    written[static_cast<size_t>(r)] = is_written(role);
    if (memory != nullptr) {
      const auto bytes =
          static_cast<int64_t>(ranges[static_cast<size_t>(r)].end - ranges[static_cast<size_t>(r)].begin);
      if (Status s = memory->check(plan.api, name, tensor, bytes); !s.ok()) return s;
    }
  }
  for (int32_t a = 0; a < count; ++a) {
    for (int32_t b = a + 1; b < count; ++b) {
      const TensorRole role_a = roles[static_cast<size_t>(a)];
      const TensorRole role_b = roles[static_cast<size_t>(b)];
      if (!written[static_cast<size_t>(a)] && !written[static_cast<size_t>(b)]) continue;
      const ByteRange x = ranges[static_cast<size_t>(a)];
      const ByteRange y = ranges[static_cast<size_t>(b)];
      if (x.begin < y.end && y.begin < x.end && !allowed_alias(plan, role_a, role_b)) {
        return fail(StatusCode::kInvalidArgument, plan.api,
                    concat(role_name(role_a, plan.contract), " overlaps ", role_name(role_b, plan.contract)),
                    "disjoint memory",
                    concat("bytes ", address_string(reinterpret_cast<void*>(x.begin)), "+", x.end - x.begin, " and ",
                           address_string(reinterpret_cast<void*>(y.begin)), "+", y.end - y.begin));
      }
    }
  }
  return {};
}

}  // namespace advstep::core
