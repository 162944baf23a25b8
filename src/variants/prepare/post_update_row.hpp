// post_update's row (prepare_step.md section 3.3): its checks and its writes, written once for
// every backend (ADVSTEP_HOST_DEVICE: the CPU loop and the CUDA kernels call these very functions).
//
// The checks of one row run in the spec's class order (10.6), as the reference does: F1 (a state row
// outside [0, Rmax), or one an earlier row already updates), F3 (a negative num_computed_tokens), F6
// (a result that does not fit its output: num_computed_tokens, the last sampled token, total_len, a
// history token), F8 (num_sampled outside [0, K], num_rejected outside [0, L], the history write
// outside its width). F6 comes before F8, so an out-of-range count reads no token: only a count in
// [0, K] reads sampled_tokens, and only history columns inside [0, Wt) are checked.
#pragma once

#include <cstdint>

#include "core/host_device.hpp"
#include "variants/prepare/post_update_plan.hpp"

namespace advstep::variants {

/// Which rule a post_update fault broke (its class F1..F8 is class_of()).
enum class PostUpdateFaultKind : int32_t {
  kNone = 0,
  kQslStart,          ///< F2: query_start_loc[0] = value != 0
  kQslDecreasing,     ///< F2: query_start_loc[b] = value > query_start_loc[b + 1] = extra
  kRowOutside,        ///< F1: r outside [0, Rmax = extra)
  kRowTwice,          ///< F1: r already updated by row extra < b
  kNegativeComputed,  ///< F3: num_computed_tokens[r] = value < 0
  kComputedFit,       ///< F6: value + extra - limit (nc + L - rho) does not fit num_computed_tokens
  kLastTokenFit,      ///< F6: the token value (sampled_tokens[b, n - 1]) does not fit last_sampled_tokens
  kTotalLenFit,       ///< F6: value + extra (total_len[r] + n) does not fit total_len
  kHistoryTokenFit,   ///< F6: the token value (sampled_tokens[b, extra]) does not fit all_token_ids
  kSampledRange,      ///< F8: num_sampled[b] = value outside [0, K = limit]
  kRejectedRange,     ///< F8: num_rejected[b] = value outside [0, L = limit] (limit -1: no query_start_loc)
  kHistoryWidth,      ///< F8: the history write [value, value + extra) leaves [0, Wt = limit)
};

/// A fault with every value its message names (a GPU keeps it until the host reads it).
struct PostUpdateFault {
  PostUpdateFaultKind kind = PostUpdateFaultKind::kNone;
  int32_t narrow = 0;  ///< F6: 1 when the output holds int32
  int64_t b = 0;
  int64_t r = 0;
  int64_t value = 0;
  int64_t extra = 0;
  int64_t limit = 0;

  [[nodiscard]] ADVSTEP_HOST_DEVICE bool ok() const { return kind == PostUpdateFaultKind::kNone; }
};

/// "F1".."F8" of a fault kind.
ADVSTEP_HOST_DEVICE inline const char* class_of(PostUpdateFaultKind kind) {
  switch (kind) {
    case PostUpdateFaultKind::kQslStart:
    case PostUpdateFaultKind::kQslDecreasing: return "F2";
    case PostUpdateFaultKind::kRowOutside:
    case PostUpdateFaultKind::kRowTwice: return "F1";
    case PostUpdateFaultKind::kNegativeComputed: return "F3";
    case PostUpdateFaultKind::kComputedFit:
    case PostUpdateFaultKind::kLastTokenFit:
    case PostUpdateFaultKind::kTotalLenFit:
    case PostUpdateFaultKind::kHistoryTokenFit: return "F6";
    case PostUpdateFaultKind::kSampledRange:
    case PostUpdateFaultKind::kRejectedRange:
    case PostUpdateFaultKind::kHistoryWidth: return "F8";
    case PostUpdateFaultKind::kNone: break;
  }
  return "none";
}

/// F2, global (10.11: only when query_start_loc is given): qsl[0] = 0 and non-decreasing on [0, R].
/// post_update has no token buffer, so qsl[R] has no bound. Entries past R are never read.
ADVSTEP_HOST_DEVICE inline PostUpdateFault check_post_update_qsl(const PostUpdatePlan& p) {
  PostUpdateFault fault;
  const IndexInput& qsl = p.query_start_loc;
  if (!qsl.given) return fault;
  if (qsl.at(0) != 0) {
    fault.kind = PostUpdateFaultKind::kQslStart;
    fault.value = qsl.at(0);
    return fault;
  }
  for (int64_t b = 0; b < p.rows; ++b) {
    if (qsl.at(b + 1) < qsl.at(b)) {
      fault.kind = PostUpdateFaultKind::kQslDecreasing;
      fault.b = b;
      fault.value = qsl.at(b);
      fault.extra = qsl.at(b + 1);
      return fault;
    }
  }
  return fault;
}

/// Whether row b updates a state row (r = idx_mapping[b] inside [0, Rmax)): the rows that take part
/// in F1's duplicate rule. A negative r skips the row; one past Rmax is F1 itself.
ADVSTEP_HOST_DEVICE inline bool updates_state_row(const PostUpdatePlan& p, int64_t b, int64_t& r) {
  r = p.idx_mapping.at(b);
  return r >= 0 && r < p.state_rows;
}

/// L_b: the row's tokens, 0 without query_start_loc. Exact once F2 passed (0 <= qsl[b] <= qsl[b + 1]);
/// a GPU checks rows beside a faulty query_start_loc too (its fault comes first and wins), so the
/// difference wraps there instead of overflowing.
ADVSTEP_HOST_DEVICE inline int64_t post_update_tokens(const PostUpdatePlan& p, int64_t b) {
  if (!p.query_start_loc.given) return 0;
  return static_cast<int64_t>(static_cast<uint64_t>(p.query_start_loc.at(b + 1)) -
                              static_cast<uint64_t>(p.query_start_loc.at(b)));
}

/// Every check of row b in class order. @p first_row is the smallest b' whose r is this row's (b
/// itself when none before it): a smaller one is F1. A skipped row (r < 0) has no fault.
ADVSTEP_HOST_DEVICE inline PostUpdateFault check_post_update_row(const PostUpdatePlan& p, int64_t b,
                                                                 int64_t first_row) {
  PostUpdateFault fault;
  fault.b = b;
  int64_t r = 0;
  const bool updates = updates_state_row(p, b, r);
  fault.r = r;
  if (r < 0) return fault;
  const auto fail = [&fault](PostUpdateFaultKind kind, int64_t value, int64_t extra, int64_t limit, bool narrow) {
    fault.kind = kind;
    fault.value = value;
    fault.extra = extra;
    fault.limit = limit;
    fault.narrow = narrow ? 1 : 0;
    return fault;
  };
  if (!updates) return fail(PostUpdateFaultKind::kRowOutside, r, p.state_rows, 0, false);
  if (first_row < b) return fail(PostUpdateFaultKind::kRowTwice, r, first_row, 0, false);
  const int64_t computed = p.computed_in.at(r);
  if (computed < 0) return fail(PostUpdateFaultKind::kNegativeComputed, computed, 0, 0, false);
  const int64_t length = post_update_tokens(p, b);
  const int64_t sampled = p.num_sampled.at(b);
  const int64_t rejected = p.num_rejected.at(b);
  // F6, each result as it would be written.
  if (!p.num_computed_tokens.fits_wide(static_cast<Wide>(computed) + length - rejected)) {
    return fail(PostUpdateFaultKind::kComputedFit, computed, length, rejected, p.num_computed_tokens.narrow);
  }
  const bool readable = sampled >= 0 && sampled <= p.sampled_width;
  if (readable && sampled > 0) {
    const int64_t token = p.sampled_tokens.at(b, sampled - 1);
    if (!p.last_sampled_tokens.fits(token)) {
      return fail(PostUpdateFaultKind::kLastTokenFit, token, sampled - 1, 0, p.last_sampled_tokens.narrow);
    }
  }
  const int64_t start = p.has_history() ? p.total_len_in.at(r) : 0;
  if (p.has_history() && readable) {
    if (!p.total_len.fits_wide(static_cast<Wide>(start) + sampled)) {
      return fail(PostUpdateFaultKind::kTotalLenFit, start, sampled, 0, p.total_len.narrow);
    }
    for (int64_t i = 0; i < sampled; ++i) {
      const Wide column = static_cast<Wide>(start) + i;
      if (column < 0 || column >= p.history_width) continue;  // F8 below
      const int64_t token = p.sampled_tokens.at(b, i);
      if (!p.all_token_ids.fits(token)) {
        return fail(PostUpdateFaultKind::kHistoryTokenFit, token, i, 0, p.all_token_ids.narrow);
      }
    }
  }
  // F8.
  if (!readable) return fail(PostUpdateFaultKind::kSampledRange, sampled, 0, p.sampled_width, false);
  if (rejected < 0 || rejected > length) {
    return fail(PostUpdateFaultKind::kRejectedRange, rejected, 0, p.query_start_loc.given ? length : -1, false);
  }
  if (p.has_history() && (start < 0 || start > p.history_width - sampled)) {
    return fail(PostUpdateFaultKind::kHistoryWidth, start, sampled, p.history_width, false);
  }
  return fault;
}

/// Row b's writes (after every row passed its checks): num_computed_tokens[r] += L - rho; with
/// n > 0 the last sampled token, and the history with total_len.
ADVSTEP_HOST_DEVICE inline void write_post_update_row(const PostUpdatePlan& p, int64_t b) {
  int64_t r = 0;
  if (!updates_state_row(p, b, r)) return;  // a skipped row
  const int64_t sampled = p.num_sampled.at(b);
  // Checked to fit as a whole (F6); the partial sum nc + L alone might not fit 64 bits.
  const Wide computed = static_cast<Wide>(p.computed_in.at(r)) + post_update_tokens(p, b) - p.num_rejected.at(b);
  p.num_computed_tokens.store(r, static_cast<int64_t>(computed));
  if (sampled <= 0) return;
  p.last_sampled_tokens.store(r, p.sampled_tokens.at(b, sampled - 1));
  if (!p.has_history()) return;
  const int64_t start = p.total_len_in.at(r);
  for (int64_t i = 0; i < sampled; ++i) p.all_token_ids.store(r * p.history_width + start + i, p.sampled_tokens.at(b, i));
  p.total_len.store(r, start + sampled);
}

/// kDataFault with the message naming the operation, the class, b, r and the values, ending in
/// "nothing was written" (post_update_fault.cpp: host only).
Status describe_post_update_fault(const PostUpdateFault& fault);

}  // namespace advstep::variants
