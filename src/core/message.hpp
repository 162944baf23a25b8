// Builds diagnostic text from pieces; every message of the library goes through here.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

#include "advstep/status.hpp"
#include "core/tensor_desc.hpp"

namespace advstep::core {

template <typename... Parts>
std::string concat(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

/// concat's parts, kept until the text is asked for: a check passes a rule's text this way so that the
/// text is built only when the check fails (the checks run on every call, the messages rarely).
template <typename... Parts>
auto deferred_concat(Parts... parts) {
  return [=] { return concat(parts...); };
}

/// @p text itself, or the text it makes when it is a deferred_concat.
template <typename Text>
std::string text_of(const Text& text) {
  if constexpr (std::is_invocable_v<const Text&>) {
    return text();
  } else {
    return std::string(text);
  }
}

/// "api: what (expected E, got G)": the shape of every argument error.
template <typename Expected, typename Got>
Status fail(StatusCode code, const char* api, const std::string& what, const Expected& expected,
            const Got& got) {
  return {code, concat(api, ": ", what, " (expected ", expected, ", got ", got, ")")};
}

/// "[8, 1]"
std::string shape_string(const TensorDesc& tensor);
/// "[8, 1]" for the strides
std::string strides_string(const TensorDesc& tensor);
/// "0x7f..."
std::string address_string(const void* address);

}  // namespace advstep::core
