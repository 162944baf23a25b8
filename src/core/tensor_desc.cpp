#include "core/tensor_desc.hpp"

#include <limits>

namespace advstep::core {

int64_t TensorDesc::numel() const {
  if (rank > kMaxRank) return -1;
  int64_t count = 1;
  for (int32_t d = 0; d < rank; ++d) {
    const int64_t extent = dim(d);
    if (extent < 0) return -1;
    if (extent != 0 && count > std::numeric_limits<int64_t>::max() / extent) return -1;
    count *= extent;
  }
  return count;
}

}  // namespace advstep::core
