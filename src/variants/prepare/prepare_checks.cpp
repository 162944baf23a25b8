// The prepare step's argument rules beyond argument_rules.cpp (see prepare_checks.hpp).
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
using core::deferred_concat;

bool same_view(const TensorView& a, const TensorView& b) {
  return a.data == b.data && a.dtype == b.dtype && a.device == b.device && a.rank == b.rank && a.shape == b.shape &&
         a.strides == b.strides;
}

}  // namespace

Status check_dtypes(const ArgumentRules& rules, const std::vector<Named>& tensors) {
  for (const Named& tensor : tensors) {
    if (Status st = rules.dtype(tensor); !st.ok()) return st;
  }
  return {};
}

Status check_slot_mapping(const ArgumentRules& rules, const Named& slots, int64_t groups, int64_t tokens) {
  const bool ok = (slots.view->rank == 2 && slots.dim(0) == groups && slots.dim(1) == tokens) ||
                  (slots.view->rank == 1 && groups == 1 && slots.dim(0) == tokens);
  return rules.shape(ok, slots, [groups, tokens] {
    return concat("[", groups, ", ", tokens, "]", groups == 1 ? concat(" or [", tokens, "]") : "", " (G = ", groups,
                  " tables, M = ", tokens, ")");
  });
}

Status check_groups(const ArgumentRules& rules, const std::vector<int64_t>& block_size, size_t tables, int64_t cp_size,
                    int64_t cp_rank, int64_t cp_interleave) {
  if (tables > static_cast<size_t>(kMaxPrepareGroups)) {
    return rules.fail(StatusCode::kOutOfRange, "block_tables holds more KV-cache groups than supported",
                      concat("at most ", kMaxPrepareGroups, " tables"), concat(tables, " tables"));
  }
  if (block_size.size() != tables) {
    return rules.fail(StatusCode::kOutOfRange, "block_size must hold one size per table", concat(tables, " sizes"),
                      concat(block_size.size(), " sizes"));
  }
  for (size_t g = 0; g < block_size.size(); ++g) {
    if (Status st = rules.scalar(block_size[g] >= 1, deferred_concat("block_size[", g, "]"), ">= 1", block_size[g]); !st.ok()) {
      return st;
    }
  }
  if (Status st = rules.scalar(cp_size >= 1, "cp_size", ">= 1", cp_size); !st.ok()) return st;
  if (Status st =
          rules.scalar(cp_rank >= 0 && cp_rank < cp_size, "cp_rank", deferred_concat("in [0, ", cp_size - 1, "]"), cp_rank);
      !st.ok()) {
    return st;
  }
  if (Status st = rules.scalar(cp_interleave >= 1, "cp_interleave", ">= 1", cp_interleave); !st.ok()) return st;
  if (cp_size > 1) {
    for (size_t g = 0; g < block_size.size(); ++g) {
      const int64_t size = block_size[g];
      if (Status st = rules.scalar(cp_interleave <= size && size % cp_interleave == 0, "cp_interleave",
                                   deferred_concat("a divisor of block_size ", size, " (group ", g, ") when cp_size > 1"),
                                   cp_interleave);
          !st.ok()) {
        return st;
      }
    }
  }
  return {};
}

Status check_memory_and_device(const ArgumentRules& rules, const std::vector<Named>& tensors,
                               const std::vector<std::pair<size_t, size_t>>& in_place, bool& on_device) {
  // An input that is the very same view as its output is the output's memory, checked as the output.
  std::vector<Named> distinct;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const bool aliased = std::any_of(in_place.begin(), in_place.end(), [&](const std::pair<size_t, size_t>& pair) {
      return pair.second == i && tensors[i].given() && tensors[pair.first].given() &&
             same_view(*tensors[i].view, *tensors[pair.first].view);
    });
    if (!aliased) distinct.push_back(tensors[i]);
  }
  if (Status st = rules.memory(distinct); !st.ok()) {
    for (const auto& [output, input] : in_place) {  // name the rule an in-place pair broke
      if (st.message().find(concat(tensors[output].name, " overlaps ", tensors[input].name)) != std::string::npos ||
          st.message().find(concat(tensors[input].name, " overlaps ", tensors[output].name)) != std::string::npos) {
        return rules.fail(StatusCode::kInvalidArgument,
                          concat(tensors[output].name, " overlaps ", tensors[input].name,
                                 " (an in-place pair must be the very same view)"),
                          "the same view or disjoint memory", "overlapping bytes");
      }
    }
    return st;
  }
  const Named* first = nullptr;
  for (const Named& tensor : tensors) {
    if (!tensor.given()) continue;
    if (first == nullptr) first = &tensor;
    if (tensor.view->device != first->view->device) {
      return rules.fail(StatusCode::kInvalidArgument, concat(tensor.name, " is on another device than ", first->name),
                        "every tensor on one device",
                        tensor.view->device == Device::kCpu ? "host memory" : "CUDA memory");
    }
  }
  on_device = first != nullptr && first->view->device == Device::kCuda;
  return {};
}

std::vector<Named> named_tables(const std::vector<TensorView>& tables) {
  std::vector<Named> named;
  for (size_t g = 0; g < tables.size(); ++g) named.push_back({"block_tables[" + std::to_string(g) + "]", &tables[g], false});
  return named;
}

void set_groups(PreparePlan& plan, const std::vector<TensorView>& tables, const std::vector<int64_t>& block_size) {
  plan.group_count = static_cast<int32_t>(tables.size());
  for (size_t g = 0; g < tables.size(); ++g) {
    plan.groups[g] = {input_of(tables[g]), block_size[g]};
    plan.state_rows = std::min(plan.state_rows, plan.groups[g].table.rows);
  }
}

}  // namespace advstep::variants
