"""An independent reference for the prepare-step operations: plain loops over Python ints, no numpy.

``prepare_inputs``, ``advance_drafts`` and ``post_update`` take the keyword arguments of spec prepare_step.md
section 9 (without ``stream``), as ``prepare_step_arrays.Array`` tensors, and write their outputs in place, as
the library does. The spec is followed section by section: argument rules (4 and 10, in
prepare_step_arguments.py), then one validation-and-compute pass over the rows (2, with the row formulas of
prepare_step_rows.py), then the writes. Every write is collected first and applied only after the last check,
so a fault (``Fault``, classes F1-F8) or an argument error (``ArgumentError``) leaves every tensor as it was.

The order faults are found in (10.6): the global checks (F2 on query_start_loc, then F4 on cu_num_logits), then
rows in increasing b; within a row first the checks of the row itself in class order (F1, F3, F4, F6, F7), then
its tokens in increasing t, each token's checks in class order (F3, F5, F6). The first fault found is raised.

Where the spec leaves a choice open, this reference reads it so (the library must agree or the spec change):
- cu_num_logits, when given, is always checked (F4, global) and may be longer than R + 1 (10.3: per-row inputs
  may be padded); its per-row rules follow 10.7 (NL_b > L_b with input_ids or logits_indices, the others with
  input_ids only).
- pos_in holds at least M elements, or at least R when rewrite_query_start_loc makes every row one token.
- advance_drafts: a new length src_b + delta below 0 is F3, like src_b itself; a capped (padded) token addresses
  no block, so F5 is not checked for it; with rewrite_query_start_loc, R > M is F2 (the rewritten qsl[R] > M).
- Both tokens and sampled_token_ids given is an argument error of class 1 (the "exactly one" rule), and a
  block_size sequence whose length is not G one of class 4.
- post_update keeps the class order within a row too: the F6 fits are checked before F8's ranges (a count
  outside [0, K] reads no token), and a negative total_len is F8 (the history write leaves its width).
"""

from __future__ import annotations

from typing import Optional

from prepare_step_arguments import Groups, check_advance_drafts, check_post_update, check_prepare_inputs, \
    state_rows
from prepare_step_arrays import Array, fits
from prepare_step_checks import ArgumentError, Fault  # noqa: F401  (re-exported: tests catch them from here)
import prepare_step_rows as formula


class _Writes:
    """The writes of one call, kept until every check has passed. ``put`` is where F6 is found."""

    def __init__(self, operation: str):
        self.operation, self.pending = operation, []

    def put(self, name: str, a: Array, index: tuple[int, ...], value: int, b: Optional[int] = None,
            r: Optional[int] = None, t: Optional[int] = None) -> None:
        if not fits(value, a.dtype):
            raise Fault("F6", self.operation, f"{name}{list(index)} = {value} does not fit {a.dtype}",
                        b=b, r=r, t=t, value=value)
        self.pending.append((a, index, value))

    def apply(self) -> None:
        for a, index, value in self.pending:
            a.store(index, value)


def _state(a: Array, r: int) -> int:
    """Element r of a state vector held as [Rmax] or [Rmax, 1]."""
    return a[r] if a.ndim == 1 else a[r, 0]


def _check_query_start_loc(operation: str, qsl: list[int], rows: int, tokens: Optional[int]) -> None:
    """F2: qsl[0] = 0, non-decreasing on [0, R], and qsl[R] <= M (no M in post_update)."""
    if qsl[0] != 0:
        raise Fault("F2", operation, f"query_start_loc[0] = {qsl[0]}, expected 0", b=0, query_start_loc=qsl[0])
    for b in range(rows):
        if qsl[b + 1] < qsl[b]:
            raise Fault("F2", operation, f"query_start_loc decreases: [{b}] = {qsl[b]} > [{b + 1}] = {qsl[b + 1]}",
                        b=b, start=qsl[b], end=qsl[b + 1])
    if tokens is not None and qsl[rows] > tokens:
        raise Fault("F2", operation, f"query_start_loc[R = {rows}] = {qsl[rows]} exceeds M = {tokens}", b=rows,
                    total=qsl[rows], M=tokens)


def _check_cu_num_logits(cu: list[int], rows: int, logits_indices: Optional[Array]) -> None:
    """F4, global: cu[0] = 0, non-decreasing on [0, R], and cu[R] <= len(logits_indices) when it is given."""
    if cu[0] != 0:
        raise Fault("F4", "prepare_inputs", f"cu_num_logits[0] = {cu[0]}, expected 0", b=0, cu_num_logits=cu[0])
    for b in range(rows):
        if cu[b + 1] < cu[b]:
            raise Fault("F4", "prepare_inputs", f"cu_num_logits decreases: [{b}] = {cu[b]} > [{b + 1}] = "
                        f"{cu[b + 1]}", b=b, start=cu[b], end=cu[b + 1])
    if logits_indices is not None and cu[rows] > logits_indices.shape[0]:
        raise Fault("F4", "prepare_inputs", f"cu_num_logits[R = {rows}] = {cu[rows]} exceeds logits_indices' "
                    f"{logits_indices.shape[0]} elements", b=rows, total=cu[rows], length=logits_indices.shape[0])


def _check_row_index(operation: str, b: int, r: int, state_rows_: int) -> None:
    if not 0 <= r < state_rows_:
        raise Fault("F1", operation, f"idx_mapping[{b}] = {r} is outside the state's rows [0, {state_rows_})",
                    b=b, r=r, Rmax=state_rows_)


class _Slots:
    """2.6 and F5 for every group of one call: the slot of each token, or -1."""

    def __init__(self, operation: str, groups: Groups, slot_mapping: Array, bound: str, cp_size: int, cp_rank: int,
                 interleave: int):
        self.operation, self.groups, self.slot_mapping, self.bound = operation, groups, slot_mapping, bound
        self.cp_size, self.cp_rank, self.interleave = cp_size, cp_rank, interleave

    def index(self, g: int, t: int) -> tuple[int, ...]:
        return (t,) if self.slot_mapping.ndim == 1 else (g, t)

    def compute(self, b: int, r: int, t: int, position: int) -> list[int]:
        """The token's slot in each group; F5 when its block index leaves the bound, or a local block id < 0."""
        slots = []
        for g, (table, size) in enumerate(zip(self.groups.tables, self.groups.sizes)):
            width = table.shape[1]
            column = formula.block_index(position, size, self.cp_size)
            entry = r * width + column
            if (column >= width) if self.bound == "row" else (entry >= table.numel):
                limit = f"its row of W = {width}" if self.bound == "row" else f"the table's {table.numel} entries"
                raise Fault("F5", self.operation, f"group {g}: block index {column} of position {position} "
                            f"leaves {limit} (bound={self.bound})", b=b, r=r, t=t, group=g, block_index=column,
                            position=position)
            if not formula.is_local(position, size, self.cp_size, self.cp_rank, self.interleave):
                slots.append(-1)
                continue
            block_id = table[table.flat_index(entry)]
            if block_id < 0:
                raise Fault("F5", self.operation, f"group {g}: block id {block_id} at column {column} is negative",
                            b=b, r=r, t=t, group=g, block_id=block_id)
            slots.append(formula.slot(block_id, position, size, self.cp_size, self.interleave))
        return slots

    def put(self, writes: _Writes, b: int, r: int, t: int, slots: list[int]) -> None:
        for g, value in enumerate(slots):
            writes.put("slot_mapping", self.slot_mapping, self.index(g, t), value, b=b, r=r, t=t)

    def tail(self, writes: _Writes, start: int, stop: int) -> None:
        """2.8: -1 on [T, M) of every group, always."""
        for g in range(len(self.groups)):
            for t in range(start, stop):
                writes.put("slot_mapping", self.slot_mapping, self.index(g, t), -1, t=t)


def prepare_inputs(*, idx_mapping, query_start_loc, num_computed_tokens, block_tables, block_size, positions,
                   seq_lens, slot_mapping, input_ids=None, last_sampled_tokens=None, draft_tokens=None,
                   prefill_len=None, cu_num_logits=None, logits_indices=None, num_bonus=1, token_seq_lens=None,
                   dcp_local_seq_lens=None, cp_size=1, cp_rank=0, cp_interleave=1, bound="row",
                   seq_lens_tail="zero", token_tail="keep") -> None:
    """STATE mode (3.1): positions, seq_lens, tokens, logits indices and slots of a ragged batch from the state."""
    args = dict(locals())
    groups = Groups(block_tables, block_size)
    check_prepare_inputs(args, groups)
    op = "prepare_inputs"
    rows, tokens_m, rs = idx_mapping.shape[0], positions.shape[0], seq_lens.shape[0]
    rmax = state_rows(num_computed_tokens, last_sampled_tokens, draft_tokens, prefill_len, tables=groups.tables)
    drafts_s = draft_tokens.shape[1] if draft_tokens is not None else 0
    nb = num_bonus
    writes = _Writes(op)
    slots = _Slots(op, groups, slot_mapping, bound, cp_size, cp_rank, cp_interleave)

    qsl = [query_start_loc[i] for i in range(rows + 1)]
    _check_query_start_loc(op, qsl, rows, tokens_m)
    cu = [cu_num_logits[i] for i in range(rows + 1)] if cu_num_logits is not None else None
    if cu is not None:
        _check_cu_num_logits(cu, rows, logits_indices)

    for b in range(rows):
        r, qs, qe = idx_mapping[b], qsl[b], qsl[b + 1]
        length = qe - qs
        _check_row_index(op, b, r, rmax)
        computed = num_computed_tokens[r]
        if computed < 0:
            raise Fault("F3", op, f"num_computed_tokens[{r}] = {computed} is negative", b=b, r=r,
                        num_computed_tokens=computed)
        logits = cu[b + 1] - cu[b] if cu is not None else nb
        drafts = logits - nb
        _check_logits_rule(op, b, r, logits, drafts, length, nb, drafts_s, input_ids is not None,
                           logits_indices is not None)
        seq_len = formula.state_seq_len(computed, length)
        writes.put("seq_lens", seq_lens, (b,), seq_len, b=b, r=r)
        if dcp_local_seq_lens is not None:
            writes.put("dcp_local_seq_lens", dcp_local_seq_lens, (b,),
                       formula.dcp_local_seq_len(seq_len, cp_size, cp_rank, cp_interleave), b=b, r=r)
        if logits_indices is not None:
            for k in range(logits):
                writes.put("logits_indices", logits_indices, (cu[b] + k,), formula.logits_index(qe, logits, k),
                           b=b, r=r)
        row_tokens = {}
        if input_ids is not None:
            prompt = prefill_len[r] if prefill_len is not None else 0
            if formula.is_decode_row(seq_len, prompt):
                if formula.writes_bonus(nb, False, seq_len, logits, prompt):
                    row_tokens[qe - logits] = _state(last_sampled_tokens, r)
                for k in range(drafts):
                    row_tokens[qe - drafts + k] = draft_tokens[r, k]
        for j in range(length):
            t = qs + j
            position = formula.state_position(computed, j)
            token_slots = slots.compute(b, r, t, position)
            writes.put("positions", positions, (t,), position, b=b, r=r, t=t)
            if token_seq_lens is not None:
                writes.put("token_seq_lens", token_seq_lens, (t,), formula.token_seq_len(position), b=b, r=r, t=t)
            slots.put(writes, b, r, t, token_slots)
            if t in row_tokens:
                writes.put("input_ids", input_ids, (t,), row_tokens[t], b=b, r=r, t=t)

    total = qsl[rows]
    slots.tail(writes, total, tokens_m)
    if seq_lens_tail == "zero":
        for b in range(rows, rs):
            writes.put("seq_lens", seq_lens, (b,), 0)
            if dcp_local_seq_lens is not None:
                writes.put("dcp_local_seq_lens", dcp_local_seq_lens, (b,), 0)
    if token_tail == "zero":
        for t in range(total, tokens_m):
            writes.put("positions", positions, (t,), 0)
            if input_ids is not None:
                writes.put("input_ids", input_ids, (t,), 0)
    writes.apply()


def _check_logits_rule(op: str, b: int, r: int, logits: int, drafts: int, length: int, nb: int, width: int,
                       token_rules: bool, logits_rules: bool) -> None:
    """F4 per row: NL_b >= nb, NL_b <= L_b and D_b <= S; token rules with input_ids only (10.7), NL_b <= L_b
    also for logits_indices."""
    values = dict(b=b, r=r, num_logits=logits, num_tokens=length, num_drafts=drafts)
    if token_rules and logits < nb:
        raise Fault("F4", op, f"row has NL = {logits} logits, fewer than its {nb} bonus token", **values)
    if (token_rules or logits_rules) and logits > length:
        raise Fault("F4", op, f"row has NL = {logits} logits but only L = {length} tokens", **values)
    if token_rules and drafts > width:
        raise Fault("F4", op, f"row has D = {drafts} drafts, more than draft_tokens' width S = {width}", **values)


def advance_drafts(*, idx_mapping, query_start_loc, positions, input_ids, slot_mapping, block_tables, block_size,
                   delta, tokens=None, sampled_token_ids=None, draft_tokens=None, pos_in=None, seq_lens=None,
                   seq_base=None, seq_sub=None, token_seq_lens=None, pos_cap=None, seq_cap=None, on_cap="clamp",
                   rewrite_query_start_loc=False, cp_size=1, cp_rank=0, cp_interleave=1, bound="row",
                   seq_lens_tail="keep") -> None:
    """ADVANCE mode (3.2): the next draft step from the previous positions (EAGLE/MTP; advance_step V2)."""
    args = dict(locals())
    groups = Groups(block_tables, block_size)
    check_advance_drafts(args, groups)
    op = "advance_drafts"
    rows, tokens_m = idx_mapping.shape[0], positions.shape[0]
    rmax = state_rows(draft_tokens, tables=groups.tables)
    drafts_s = draft_tokens.shape[1] if draft_tokens is not None else 0
    pos_in = positions if pos_in is None else pos_in
    seq_base = seq_lens if seq_base is None else seq_base
    writes = _Writes(op)
    slots = _Slots(op, groups, slot_mapping, bound, cp_size, cp_rank, cp_interleave)

    if rewrite_query_start_loc:  # 10.1: written, neither read nor checked; the rewritten T = R must fit M
        qsl = [min(i, rows) for i in range(rows + 1)]
        for i in range(query_start_loc.shape[0]):
            writes.put("query_start_loc", query_start_loc, (i,), min(i, rows))
    else:
        qsl = [query_start_loc[i] for i in range(rows + 1)]
    _check_query_start_loc(op, qsl, rows, tokens_m)

    for b in range(rows):
        r, qs, qe = idx_mapping[b], qsl[b], qsl[b + 1]
        length = qe - qs
        _check_row_index(op, b, r, rmax)
        step = delta[b] if isinstance(delta, Array) else delta
        source = None
        if seq_lens is not None:
            source = seq_base[b] - (seq_sub[b] if seq_sub is not None else 0)
            if source < 0 or (seq_cap is not None and source > seq_cap):
                raise Fault("F3", op, f"length source seq_base - seq_sub = {source} is outside [0, "
                            f"{seq_cap if seq_cap is not None else 'inf'}]", b=b, r=r, source=source)
        moved = [formula.advance_position(pos_in[qs + j], step, pos_cap, on_cap) for j in range(length)]
        capped_row = on_cap == "pad" and length == 1 and moved[0][1]
        seq_len = formula.advance_seq_len(source, step, seq_cap, capped_row) if source is not None else None
        if seq_len is not None and seq_len < 0:
            raise Fault("F3", op, f"new length {source} + {step} is negative", b=b, r=r, seq_len=seq_len)
        _check_advance_row(op, b, r, length, drafts_s, on_cap)
        if seq_len is not None:
            writes.put("seq_lens", seq_lens, (b,), seq_len, b=b, r=r)
        if tokens is not None:
            bonus = tokens[b]
        else:
            bonus = formula.last_token([sampled_token_ids[b, k] for k in range(sampled_token_ids.shape[1])])
            if bonus is None:
                raise Fault("F7", op, f"sampled_token_ids row {b} starts with -1", b=b, r=r)
        row_tokens = {qs: bonus}
        for k in range(length - 1):
            row_tokens[qs + 1 + k] = draft_tokens[r, k]
        for j, (position, capped) in enumerate(moved):
            t = qs + j
            if position < 0:
                raise Fault("F3", op, f"new position {pos_in[t]} + {step} is negative", b=b, r=r, t=t,
                            position=position)
            token_slots = [-1] * len(groups) if capped else slots.compute(b, r, t, position)
            writes.put("positions", positions, (t,), position, b=b, r=r, t=t)
            if token_seq_lens is not None:
                writes.put("token_seq_lens", token_seq_lens, (t,), formula.token_seq_len(position), b=b, r=r, t=t)
            slots.put(writes, b, r, t, token_slots)
            writes.put("input_ids", input_ids, (t,), row_tokens[t], b=b, r=r, t=t)

    slots.tail(writes, qsl[rows], tokens_m)
    if seq_lens is not None and seq_lens_tail == "zero":
        for b in range(rows, seq_lens.shape[0]):
            writes.put("seq_lens", seq_lens, (b,), 0)
    writes.apply()


def _check_advance_row(op: str, b: int, r: int, length: int, width: int, on_cap: str) -> None:
    """F4 in ADVANCE: NL_b = L_b >= nb = 1, L_b - 1 <= S, and one token per row under ``pad``."""
    if length < 1:
        raise Fault("F4", op, "row has no token for its bonus token", b=b, r=r, num_tokens=length)
    if length - 1 > width:
        raise Fault("F4", op, f"row has L - 1 = {length - 1} drafts, more than draft_tokens' width S = {width}",
                    b=b, r=r, num_tokens=length)
    if on_cap == "pad" and length != 1:
        raise Fault("F4", op, f"on_cap='pad' needs one-token rows (got L = {length})", b=b, r=r, num_tokens=length)


def post_update(*, idx_mapping, num_computed_tokens, last_sampled_tokens, sampled_tokens, num_sampled, num_rejected,
                query_start_loc=None, total_len=None, all_token_ids=None) -> None:
    """3.3: after verification, commit the accepted tokens to the state (nc, last sampled token, history)."""
    check_post_update(dict(locals()))
    op = "post_update"
    rows, width_k = idx_mapping.shape[0], sampled_tokens.shape[1]
    rmax = state_rows(num_computed_tokens, last_sampled_tokens, total_len, all_token_ids)
    writes = _Writes(op)
    qsl = None
    if query_start_loc is not None:
        qsl = [query_start_loc[i] for i in range(rows + 1)]
        _check_query_start_loc(op, qsl, rows, None)
    seen: dict[int, int] = {}
    for b in range(rows):
        r = idx_mapping[b]
        if r < 0:
            continue  # a masked row: skipped and not validated (10.11)
        _check_row_index(op, b, r, rmax)
        if r in seen:
            raise Fault("F1", op, f"rows {seen[r]} and {b} both update state row {r}", b=b, r=r, first_b=seen[r])
        seen[r] = b
        computed = num_computed_tokens[r]
        if computed < 0:
            raise Fault("F3", op, f"num_computed_tokens[{r}] = {computed} is negative", b=b, r=r,
                        num_computed_tokens=computed)
        length = qsl[b + 1] - qsl[b] if qsl is not None else 0
        sampled, rejected = num_sampled[b], num_rejected[b]
        readable = 0 <= sampled <= width_k
        writes.put("num_computed_tokens", num_computed_tokens, (r,), computed + length - rejected, b=b, r=r)
        if readable and sampled > 0:
            index = (r,) if last_sampled_tokens.ndim == 1 else (r, 0)
            writes.put("last_sampled_tokens", last_sampled_tokens, index, sampled_tokens[b, sampled - 1], b=b, r=r)
        if total_len is not None and readable:
            start = total_len[r]
            writes.put("total_len", total_len, (r,), start + sampled, b=b, r=r)
            for i in range(sampled):
                if 0 <= start + i < all_token_ids.shape[1]:
                    writes.put("all_token_ids", all_token_ids, (r, start + i), sampled_tokens[b, i], b=b, r=r)
        _check_post_row(op, b, r, sampled, rejected, width_k, length, qsl is not None,
                        total_len[r] if total_len is not None else None,
                        all_token_ids.shape[1] if all_token_ids is not None else None)
    writes.apply()


def _check_post_row(op: str, b: int, r: int, sampled: int, rejected: int, width_k: int, length: int,
                    has_qsl: bool, start: Optional[int], history_width: Optional[int]) -> None:
    """F8: n in [0, K]; rho in [0, L_b] (0 without query_start_loc); the history inside its width."""
    if not 0 <= sampled <= width_k:
        raise Fault("F8", op, f"num_sampled[{b}] = {sampled} is outside [0, K = {width_k}]", b=b, r=r,
                    num_sampled=sampled)
    if not 0 <= rejected <= length:
        rule = f"[0, L = {length}]" if has_qsl else "0 (no query_start_loc)"
        raise Fault("F8", op, f"num_rejected[{b}] = {rejected} is outside {rule}", b=b, r=r, num_rejected=rejected)
    if start is not None and not (0 <= start and start + sampled <= history_width):
        raise Fault("F8", op, f"history write [{start}, {start + sampled}) leaves all_token_ids' width "
                    f"{history_width}", b=b, r=r, total_len=start, num_sampled=sampled)


def sampler_counts(*, seq_len: int, prefill_len: int, num_logits: int, num_sampled: int) -> tuple[int, int]:
    """(n, rho) for one row as an engine derives them from the sampler (3.3): a row still in its prompt
    samples nothing; otherwise the logits not turned into tokens were rejected."""
    if seq_len < prefill_len:
        return 0, 0
    return num_sampled, num_logits - num_sampled
