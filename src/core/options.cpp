// Names of the semantics options and the vector-core count of each Ascend part.
#include <array>
#include <cstring>

#include "advstep/options.hpp"

namespace advstep {

int64_t ascend_cores_for_soc(const char* soc_name) {
  // Platform files (platform_config/<SoC>.ini, vector_core_cnt): the Atlas A2 parts with 20 AI
  // cores have 40 vector cores (Ascend910B3, Ascend910B4, Ascend910B4-1); the A2 parts with 24
  // and the A3 parts (Ascend910_93xx) have 48. A host or GPU name is none of them: 48.
  static constexpr const char* kFortyCoreParts[] = {"Ascend910B3", "Ascend910B4"};
  if (soc_name != nullptr) {
    for (const char* part : kFortyCoreParts) {
      if (std::strncmp(soc_name, part, std::strlen(part)) == 0) return 40;
    }
  }
  return 48;
}

namespace {

// The names, indexed by the enumerations' values: parsing and naming read the same table.
constexpr std::array<const char*, 2> kSemanticsNames = {"vllm", "ascend"};
constexpr std::array<const char*, 2> kBlockBoundNames = {"table", "row"};

template <typename Enum, size_t kCount>
bool parse_name(const char* text, const std::array<const char*, kCount>& names, Enum& value) {
  if (text == nullptr) return false;
  for (size_t i = 0; i < kCount; ++i) {
    if (std::strcmp(text, names[i]) == 0) {
      value = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

std::span<const char* const> semantics_names() {
  return kSemanticsNames;
}
std::span<const char* const> block_bound_names() {
  return kBlockBoundNames;
}

bool parse_semantics(const char* text, Semantics& semantics) {
  return parse_name(text, kSemanticsNames, semantics);
}

bool parse_block_bound(const char* text, BlockBound& bound) {
  return parse_name(text, kBlockBoundNames, bound);
}

const char* semantics_name(Semantics semantics) {
  return semantics == Semantics::kAscend ? kSemanticsNames[1] : kSemanticsNames[0];
}

const char* block_bound_name(BlockBound bound) {
  return bound == BlockBound::kRow ? kBlockBoundNames[1] : kBlockBoundNames[0];
}

}  // namespace advstep
