// prepare_inputs on the host. One walk over the batch, run twice: first checking only, so the first
// data fault in the spec's order (10.6: query_start_loc, then cu_num_logits, then rows in increasing
// b, within a row its own checks in class order and then its tokens in increasing t) is found before
// anything is written; then, when there was none, writing. Outputs overlap no input (checked), so the
// second walk reads what the first read.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/message.hpp"
#include "variants/prepare/prepare_plan.hpp"
#include "variants/prepare/prepare_row.hpp"

namespace advstep::variants {
namespace {

using core::concat;

/// The text of a wide value (every value here fits 128 bits; only F6 can show one past int64).
std::string text(Wide value) {
  if (value >= INT64_MIN && value <= INT64_MAX) return std::to_string(static_cast<int64_t>(value));
  const bool negative = value < 0;
  __extension__ using Unsigned = unsigned __int128;
  Unsigned magnitude = negative ? static_cast<Unsigned>(-(value + 1)) + 1
                                : static_cast<Unsigned>(value);
  std::string digits;
  while (magnitude != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  return negative ? "-" + digits : digits;
}

/// Where in the batch a fault was found: b, r, t where they apply (r is whatever idx_mapping held).
struct Place {
  std::optional<int64_t> b = std::nullopt;
  std::optional<int64_t> r = std::nullopt;
  std::optional<int64_t> t = std::nullopt;
};

Status fault(const char* fault_class, const Place& at, const std::string& what) {
  std::string where;
  if (at.b) where += concat(" b = ", *at.b);
  if (at.r) where += concat(where.empty() ? " " : ", ", "r = ", *at.r);
  if (at.t) where += concat(where.empty() ? " " : ", ", "t = ", *at.t);
  return {StatusCode::kDataFault,
          concat("advstep::prepare_inputs: data fault ", fault_class, where.empty() ? "" : " at", where, ": ", what,
                 "; nothing was written")};
}

class Walk {
 public:
  Walk(const PreparePlan& plan, bool write) : p_(plan), write_(write) {}

  Status run() {
    const int64_t rows = p_.rows;
    if (Status s = check_query_start_loc(); !s.ok()) return s;
    if (Status s = check_cu_num_logits(); !s.ok()) return s;
    for (int64_t b = 0; b < rows; ++b) {
      if (Status s = row(b); !s.ok()) return s;
    }
    const int64_t total = p_.query_start_loc.at(rows);
    for (size_t g = 0; g < p_.groups.size(); ++g) {
      for (int64_t t = total; t < p_.tokens; ++t) put_slot(g, t, -1);
    }
    if (p_.seq_lens_tail == SeqLensTail::kZero) {
      for (int64_t b = rows; b < p_.seq_rows; ++b) {
        store(p_.seq_lens, b, 0);
        if (p_.dcp_local_seq_lens.given) store(p_.dcp_local_seq_lens, b, 0);
      }
    }
    if (p_.token_tail == TokenTail::kZero) {
      for (int64_t t = total; t < p_.tokens; ++t) {
        store(p_.positions, t, 0);
        if (p_.input_ids.given) store(p_.input_ids, t, 0);
      }
    }
    return {};
  }

 private:
  /// F2: qsl[0] = 0, non-decreasing on [0, R], qsl[R] <= M.
  Status check_query_start_loc() const {
    const IndexInput& qsl = p_.query_start_loc;
    if (qsl.at(0) != 0) return fault("F2", {0}, concat("query_start_loc[0] = ", qsl.at(0), ", expected 0"));
    for (int64_t b = 0; b < p_.rows; ++b) {
      if (qsl.at(b + 1) < qsl.at(b)) {
        return fault("F2", {b},
                     concat("query_start_loc decreases: [", b, "] = ", qsl.at(b), " > [", b + 1, "] = ", qsl.at(b + 1)));
      }
    }
    if (qsl.at(p_.rows) > p_.tokens) {
      return fault("F2", {p_.rows},
                   concat("query_start_loc[R = ", p_.rows, "] = ", qsl.at(p_.rows), " exceeds M = ", p_.tokens));
    }
    return {};
  }

  /// F4, global: cu[0] = 0, non-decreasing on [0, R], cu[R] <= len(logits_indices).
  Status check_cu_num_logits() const {
    const IndexInput& cu = p_.cu_num_logits;
    if (!cu.given) return {};
    if (cu.at(0) != 0) return fault("F4", {0}, concat("cu_num_logits[0] = ", cu.at(0), ", expected 0"));
    for (int64_t b = 0; b < p_.rows; ++b) {
      if (cu.at(b + 1) < cu.at(b)) {
        return fault("F4", {b},
                     concat("cu_num_logits decreases: [", b, "] = ", cu.at(b), " > [", b + 1, "] = ", cu.at(b + 1)));
      }
    }
    if (p_.logits_indices.given && cu.at(p_.rows) > p_.logits_indices.numel) {
      return fault("F4", {p_.rows},
                   concat("cu_num_logits[R = ", p_.rows, "] = ", cu.at(p_.rows), " exceeds logits_indices' ",
                          p_.logits_indices.numel, " elements"));
    }
    return {};
  }

  /// F6 for one value; stores it on the writing walk.
  Status put(const IndexOutput& out, const char* name, int64_t i, Wide value, const Place& at) const {
    const bool fits = value >= INT64_MIN && value <= INT64_MAX && out.fits(static_cast<int64_t>(value));
    if (!fits) {
      return fault("F6", at,
                   concat(name, "[", i, "] = ", text(value), " does not fit ", out.narrow ? "int32" : "int64"));
    }
    store(out, i, static_cast<int64_t>(value));
    return {};
  }

  void store(const IndexOutput& out, int64_t i, int64_t value) const {
    if (write_) out.store(i, value);
  }

  void put_slot(size_t g, int64_t t, int64_t value) const {
    store(p_.slot_mapping, static_cast<int64_t>(g) * p_.tokens + t, value);
  }

  Status row(int64_t b) {
    const int64_t r = p_.idx_mapping.at(b);
    const int64_t qs = p_.query_start_loc.at(b);
    const int64_t qe = p_.query_start_loc.at(b + 1);
    const int64_t length = qe - qs;  // qsl checked: 0 <= qs <= qe <= M
    if (r < 0 || r >= p_.state_rows) {
      return fault("F1", {b, r},
                   concat("idx_mapping[", b, "] = ", r, " is outside the state's rows [0, ", p_.state_rows, ")"));
    }
    const int64_t computed = p_.num_computed_tokens.at(r);
    if (computed < 0) {
      return fault("F3", {b, r}, concat("num_computed_tokens[", r, "] = ", computed, " is negative"));
    }
    const IndexInput& cu = p_.cu_num_logits;
    const int64_t logits = cu.given ? cu.at(b + 1) - cu.at(b) : p_.num_bonus;
    const int64_t drafts = logits - p_.num_bonus;
    if (Status s = check_logits_rule({b, r}, logits, drafts, length); !s.ok()) return s;
    const Wide seq_len = state_seq_len(computed, length);
    if (Status s = put(p_.seq_lens, "seq_lens", b, seq_len, {b, r}); !s.ok()) return s;
    if (p_.dcp_local_seq_lens.given) {
      const Wide local = dcp_local_seq_len(seq_len, p_.cp_size, p_.cp_rank, p_.cp_interleave);
      if (Status s = put(p_.dcp_local_seq_lens, "dcp_local_seq_lens", b, local, {b, r}); !s.ok()) return s;
    }
    if (p_.logits_indices.given) {
      for (int64_t k = 0; k < logits; ++k) {
        const Wide index = logits_index(qe, logits, k);
        if (Status s = put(p_.logits_indices, "logits_indices", cu.at(b) + k, index, {b, r}); !s.ok()) return s;
      }
    }
    // The tokens this row writes, [first_token, qe): the bonus at qe - NL, the drafts after it.
    int64_t bonus_at = -1;
    int64_t drafts_from = qe;
    if (p_.input_ids.given) {
      const int64_t prompt = p_.prefill_len.given ? p_.prefill_len.at(r) : 0;
      if (is_decode_row(seq_len, prompt)) {
        if (writes_bonus(p_.num_bonus, seq_len, logits, prompt)) bonus_at = qe - logits;
        drafts_from = qe - drafts;
      }
    }
    std::vector<Wide>& slots = slots_;
    slots.resize(p_.groups.size());
    for (int64_t j = 0; j < length; ++j) {
      const int64_t t = qs + j;
      const Place at{b, r, t};
      const Wide position = state_position(computed, j);
      for (size_t g = 0; g < p_.groups.size(); ++g) {
        if (Status s = token_slot(g, at, position, slots[g]); !s.ok()) return s;
      }
      if (Status s = put(p_.positions, "positions", t, position, at); !s.ok()) return s;
      if (p_.token_seq_lens.given) {
        if (Status s = put(p_.token_seq_lens, "token_seq_lens", t, position + 1, at); !s.ok()) return s;
      }
      for (size_t g = 0; g < p_.groups.size(); ++g) {
        const int64_t index = static_cast<int64_t>(g) * p_.tokens + t;
        if (Status s = put(p_.slot_mapping, "slot_mapping", index, slots[g], at); !s.ok()) return s;
      }
      int64_t token = 0;
      bool has_token = false;
      if (t == bonus_at) {
        token = p_.last_sampled_tokens.at(r);
        has_token = true;
      } else if (t >= drafts_from) {
        token = p_.draft_tokens.at(r, t - drafts_from);
        has_token = true;
      }
      if (has_token) {
        if (Status s = put(p_.input_ids, "input_ids", t, token, at); !s.ok()) return s;
      }
    }
    return {};
  }

  /// F4 per row: NL >= nb, NL <= L and D <= S with input_ids; NL <= L also with logits_indices (10.7).
  Status check_logits_rule(const Place& at, int64_t logits, int64_t drafts, int64_t length) const {
    const bool token_rules = p_.input_ids.given;
    const auto values = concat(" (NL = ", logits, ", L = ", length, ", D = ", drafts, ")");
    if (token_rules && logits < p_.num_bonus) {
      return fault("F4", at, concat("row has fewer logits than its ", p_.num_bonus, " bonus token", values));
    }
    if ((token_rules || p_.logits_indices.given) && logits > length) {
      return fault("F4", at, concat("row has more logits than tokens", values));
    }
    if (token_rules && drafts > p_.drafts) {
      return fault("F4", at, concat("row has more drafts than draft_tokens' width S = ", p_.drafts, values));
    }
    return {};
  }

  /// 2.6 and F5 for group g: the token's slot, or -1 for a token another DCP rank holds.
  Status token_slot(size_t g, const Place& at, Wide position, Wide& slot_value) const {
    const PrepareGroup& group = p_.groups[g];
    const IndexInput& table = group.table;
    const Wide column = block_column(position, group.block_size, p_.cp_size);
    const Wide entry = static_cast<Wide>(*at.r) * table.columns + column;
    const bool outside = p_.bound == BlockBound::kRow ? column >= table.columns
                                                      : entry >= static_cast<Wide>(table.rows) * table.columns;
    if (outside) {
      const std::string limit = p_.bound == BlockBound::kRow
                                    ? concat("its row of W = ", table.columns)
                                    : concat("the table's ", table.rows * table.columns, " entries");
      return fault("F5", at,
                   concat("group ", g, ": block index ", text(column), " of position ", text(position), " leaves ",
                          limit, " (bound=", p_.bound == BlockBound::kRow ? "row" : "table", ")"));
    }
    if (!is_local(position, group.block_size, p_.cp_size, p_.cp_rank, p_.cp_interleave)) {
      slot_value = -1;
      return {};
    }
    const auto flat = static_cast<int64_t>(entry);
    const int64_t block_id = table.at(flat / table.columns, flat % table.columns);
    if (block_id < 0) {
      return fault("F5", at, concat("group ", g, ": block id ", block_id, " at column ", text(column), " is negative"));
    }
    slot_value = slot(block_id, position, group.block_size, p_.cp_size, p_.cp_interleave);
    return {};
  }

  const PreparePlan& p_;
  bool write_;
  std::vector<Wide> slots_;
};

}  // namespace

Status run_prepare_cpu(const PreparePlan& plan) {
  if (Status s = Walk(plan, false).run(); !s.ok()) return s;
  return Walk(plan, true).run();
}

}  // namespace advstep::variants
