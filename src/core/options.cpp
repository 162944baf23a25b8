// Names of the semantics options and the vector-core count of each Ascend part.
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

bool parse_semantics(const char* text, Semantics& semantics) {
  if (text == nullptr) return false;
  if (std::strcmp(text, "vllm") == 0) {
    semantics = Semantics::kVllm;
    return true;
  }
  if (std::strcmp(text, "ascend") == 0) {
    semantics = Semantics::kAscend;
    return true;
  }
  return false;
}

bool parse_block_bound(const char* text, BlockBound& bound) {
  if (text == nullptr) return false;
  if (std::strcmp(text, "table") == 0) {
    bound = BlockBound::kTable;
    return true;
  }
  if (std::strcmp(text, "row") == 0) {
    bound = BlockBound::kRow;
    return true;
  }
  return false;
}

const char* semantics_name(Semantics semantics) {
  return semantics == Semantics::kAscend ? "ascend" : "vllm";
}

const char* block_bound_name(BlockBound bound) {
  return bound == BlockBound::kRow ? "row" : "table";
}

}  // namespace advstep
