#include "core/message.hpp"

namespace advstep::core {
namespace {

template <typename Array>
std::string bracketed(const Array& values, int32_t count) {
  std::string text = "[";
  for (int32_t d = 0; d < count; ++d) {
    if (d > 0) text += ", ";
    text += std::to_string(values[static_cast<size_t>(d)]);
  }
  return text + "]";
}

int32_t kept_dims(const TensorDesc& tensor) { return tensor.rank < kMaxRank ? tensor.rank : kMaxRank; }

}  // namespace

std::string shape_string(const TensorDesc& tensor) {
  std::string text = bracketed(tensor.dims, kept_dims(tensor));
  if (tensor.rank > kMaxRank) text.insert(text.size() - 1, ", ...");
  return text;
}

std::string strides_string(const TensorDesc& tensor) { return bracketed(tensor.strides, kept_dims(tensor)); }

std::string address_string(const void* address) { return concat(address); }

}  // namespace advstep::core
