// post_update's data-fault messages, from the values a row check kept (post_update_row.hpp): the
// CPU loop and the CUDA backend's fault read-back both report through here.
#include <cstdint>
#include <string>

#include "core/message.hpp"
#include "variants/prepare/post_update_row.hpp"

namespace advstep::variants {
namespace {

using core::concat;

const char* dtype_of(const PostUpdateFault& fault) { return fault.narrow != 0 ? "int32" : "int64"; }

std::string explain(const PostUpdateFault& f) {
  switch (f.kind) {
    case PostUpdateFaultKind::kQslStart:
      return concat("query_start_loc[0] = ", f.value, ", expected 0");
    case PostUpdateFaultKind::kQslDecreasing:
      return concat("query_start_loc decreases: [", f.b, "] = ", f.value, " > [", f.b + 1, "] = ", f.extra);
    case PostUpdateFaultKind::kRowOutside:
      return concat("idx_mapping[", f.b, "] = ", f.value, " is outside the state's rows [0, ", f.extra, ")");
    case PostUpdateFaultKind::kRowTwice:
      return concat("rows ", f.extra, " and ", f.b, " both update state row ", f.value,
                    " (idx_mapping must name each state row at most once)");
    case PostUpdateFaultKind::kNegativeComputed:
      return concat("num_computed_tokens[", f.r, "] = ", f.value, " is negative");
    case PostUpdateFaultKind::kComputedFit:
      return concat("num_computed_tokens[", f.r, "] + L - num_rejected[", f.b, "] = ", f.value, " + ", f.extra,
                    " - ", f.limit, " does not fit ", dtype_of(f));
    case PostUpdateFaultKind::kLastTokenFit:
      return concat("last_sampled_tokens[", f.r, "] = sampled_tokens[", f.b, ", ", f.extra, "] = ", f.value,
                    " does not fit ", dtype_of(f));
    case PostUpdateFaultKind::kTotalLenFit:
      return concat("total_len[", f.r, "] + num_sampled[", f.b, "] = ", f.value, " + ", f.extra, " does not fit ",
                    dtype_of(f));
    case PostUpdateFaultKind::kHistoryTokenFit:
      return concat("all_token_ids[", f.r, ", ...] = sampled_tokens[", f.b, ", ", f.extra, "] = ", f.value,
                    " does not fit ", dtype_of(f));
    case PostUpdateFaultKind::kSampledRange:
      return concat("num_sampled[", f.b, "] = ", f.value, " is outside [0, K = ", f.limit, "]");
    case PostUpdateFaultKind::kRejectedRange:
      return f.limit < 0 ? concat("num_rejected[", f.b, "] = ", f.value, " is not 0 (no query_start_loc)")
                         : concat("num_rejected[", f.b, "] = ", f.value, " is outside [0, L = ", f.limit, "]");
    case PostUpdateFaultKind::kHistoryWidth:
      return concat("history write [", f.value, ", ", static_cast<Wide>(f.value) + f.extra < INT64_MAX
                                                           ? concat(f.value + f.extra)
                                                           : concat(f.value, " + ", f.extra),
                    ") (total_len[", f.r, "] + num_sampled[", f.b, "]) leaves all_token_ids' width ", f.limit);
    case PostUpdateFaultKind::kNone:
      break;
  }
  return "no fault";
}

}  // namespace

Status describe_post_update_fault(const PostUpdateFault& fault) {
  const bool global = fault.kind == PostUpdateFaultKind::kQslStart || fault.kind == PostUpdateFaultKind::kQslDecreasing;
  const std::string where = global ? concat("b = ", fault.b) : concat("b = ", fault.b, ", r = ", fault.r);
  return {StatusCode::kDataFault, concat("advstep::post_update: data fault ", class_of(fault.kind), " at ", where, ": ",
                                         explain(fault), "; nothing was written")};
}

}  // namespace advstep::variants
