#include "core/tensor_desc.hpp"

#include "advstep/detail/checked_arithmetic.hpp"

namespace advstep::core {

int64_t TensorDesc::numel() const {
  if (rank > kMaxRank) return -1;
  int64_t count = 1;
  for (int32_t d = 0; d < rank; ++d) {
    const int64_t extent = dim(d);
    if (extent < 0) return -1;
    if (!detail::checked_mul(count, extent, count)) return -1;
  }
  return count;
}

}  // namespace advstep::core
