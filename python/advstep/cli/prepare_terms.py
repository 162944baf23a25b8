"""What produced an element of a prepare-step output (prepare_step.md section 2): its batch row b, state row r,
token t and the formula with the values it read; ``check`` prints it beside a difference, ``explain`` for
the elements it is asked about or finds differing.

Each account also gives the value its formula yields (None: the element is not written and keeps its
input), so ``predicted`` is the outputs recomputed element by element from the spec's row formulas, in
plain Python sharing nothing with the library: ``golden`` and ``run`` compare the library's outputs with
it. Data faults are the library's to find (its message names the class F1-F8, b, r, t and the values);
an account of an element whose inputs are out of range says so instead of reading past them.
"""

from __future__ import annotations

import re
from typing import Optional

import numpy as np

from .prepare_account import Account, Context, kept, row_where, zeroed
from .prepare_case import PrepareCase
from .prepare_ops import ADVANCE_DRAFTS, POST_UPDATE, PREPARE_INPUTS, table_name
from .prepare_terms_state import state_account

#: What each data fault class means (prepare_step.md section 4), for explain's report of a fault.
FAULT_CLASSES = {
    "F1": "a state row index outside [0, Rmax) (post_update: or one state row in two batch rows)",
    "F2": "query_start_loc: qsl[0] != 0, decreasing on [0, R], or qsl[R] > M",
    "F3": "a negative num_computed_tokens, position or length source, or a length past seq_cap",
    "F4": "cu_num_logits, or a row's logits/drafts count (NL < nb, NL > L, D > S; pad with L != 1)",
    "F5": "a block index past the bound (row: >= W; table: past the table), or a negative block id",
    "F6": "a result that does not fit its output's dtype (position, length, slot, token, nc)",
    "F7": "a sampled_token_ids row that starts with -1",
    "F8": "post_update: num_sampled outside [0, K], num_rejected outside [0, L], a history past its width",
}


# ---- positions and slots, shared by prepare_inputs and advance_drafts ----------------------------------

def _state_position(c: Context, b: int, t: int) -> tuple[Optional[int], str, bool]:
    """P of token t of row b in STATE mode: nc[r] + j."""
    r = c.get("idx_mapping", b)
    nc = c.get("num_computed_tokens", r) if r is not None and r >= 0 else None
    j = t - (c.qs(b) or 0)
    if nc is None:
        return None, f"num_computed_tokens[{r}] is outside the state", False
    return nc + j, f"num_computed_tokens[{r}] + j = {nc} + {j} = {nc + j}", False


def _delta(c: Context, b: int) -> Optional[int]:
    return c.get("delta", b) if "delta" in c.flat else c.s.get("delta", 1)


def _advance_position(c: Context, b: int, t: int) -> tuple[Optional[int], str, bool]:
    """P of token t of row b in ADVANCE mode: pos_in[t] + delta_b, clamped or padded above pos_cap."""
    source = "pos_in" if "pos_in" in c.flat else "positions"
    old, delta = c.get(source, t), _delta(c, b)
    if old is None or delta is None:
        return None, f"{source}[{t}] or delta[{b}] is outside its tensor", False
    p = old + delta
    text = f"{source}[{t}] + delta_b = {old} + {delta} = {p}"
    cap = c.s.get("pos_cap")
    if cap is not None and p > cap:
        if c.s.get("on_cap") == "pad":
            return 0, text + f" > pos_cap {cap}: padded to 0 (on_cap pad, slot -1)", True
        return cap, text + f" > pos_cap {cap}: clamped to {cap}", False
    return p, text, False


def _position(c: Context, b: int, t: int) -> tuple[Optional[int], str, bool]:
    return (_advance_position if c.case.op == ADVANCE_DRAFTS else _state_position)(c, b, t)


def _slot(c: Context, g: int, b: int, t: int) -> Account:
    r = c.get("idx_mapping", b)
    where = row_where(c, b, r, t) + f", group g = {g}"
    p, p_text, capped = _position(c, b, t)
    if p is None or r is None:
        return Account(where, p_text, None)
    if capped:
        return Account(where, f"P: {p_text}; slot_mapping[{g}, {t}] = -1", -1)
    table, size = table_name(g), c.case.block_sizes()[g]
    cp, rank, interleave = c.s.get("cp_size", 1), c.s.get("cp_rank", 0), c.s.get("cp_interleave", 1)
    width = c.width(table)
    if cp == 1:
        k, offset = p // size, p % size
    else:
        k, o = p // (size * cp), p % (size * cp)
        owner = (o // interleave) % cp
        if owner != rank:
            return Account(where, f"P = {p_text}; (P % (B * cp) = {o}) // I = {o // interleave}, mod cp = {owner} "
                                  f"!= cp_rank {rank}: another rank's token, slot -1", -1)
        offset = (o // (interleave * cp)) * interleave + o % interleave
    in_row = 0 <= k < width or (c.s.get("bound") == "table" and 0 <= r * width + k < len(c.flat[table]))
    block = c.get(table, r * width + k) if in_row and r >= 0 else None
    index = f"block_tables[{g}]"
    if block is None:
        return Account(where, f"P = {p_text}; block index {k} of {index}[{r}] is outside the "
                              f"{c.s.get('bound', 'row')} bound (width {width})", None)
    if cp == 1:
        formula = (f"P = {p_text}; {index}[{r}, P // B = {p} // {size} = {k}] = {block}, "
                   f"slot = {block} * {size} + {p} % {size} = {block * size + offset}")
    else:
        formula = (f"P = {p_text}; local (cp {cp}, rank {rank}, I {interleave}): {index}[{r}, P // (B * cp) = {k}] = "
                   f"{block}, slot = {block} * {size} + {offset} = {block * size + offset}")
    return Account(where, formula, block * size + offset)


def _token_tensor(c: Context, tensor: str, index: int, group: int = 0) -> Account:
    """positions, token_seq_lens or slot_mapping[group] at token ``index``."""
    b = c.token_row.get(index)
    if b is None:
        if tensor == "slot_mapping":
            return Account("", f"slot_mapping[{group}, {index}]: token t = {index} at or past T = "
                               f"query_start_loc[R] = {c.total()}: -1 (the slot tail)", -1)
        if tensor == "positions" and c.s.get("token_tail") == "zero":
            return zeroed(tensor, index, f"token t = {index} at or past T = {c.total()}")
        return kept(c, tensor, index, f"token t = {index} at or past T = {c.total()}")
    if tensor == "slot_mapping":
        return _slot(c, group, b, index)
    p, p_text, _ = _position(c, b, index)
    where = row_where(c, b, c.get("idx_mapping", b), index)
    if tensor == "positions" or p is None:
        return Account(where, f"{tensor}[{index}] = P = {p_text}", p)
    return Account(where, f"token_seq_lens[{index}] = P + 1 = {p + 1} (P = {p_text})", p + 1)


# ---- per-row lengths and the tokens ------------------------------------------------------------------

def _row_length(c: Context, b: int) -> tuple[Optional[int], str, bool]:
    """seq_lens[b] of a batch row, its formula, and whether the row is capped (on_cap pad)."""
    r = c.get("idx_mapping", b)
    qs, qe = c.qs(b), c.qs(b + 1)
    if qs is None or qe is None:
        return None, "query_start_loc is shorter than R + 1", False
    if c.case.op == PREPARE_INPUTS:
        nc = c.get("num_computed_tokens", r) if r is not None and r >= 0 else None
        if nc is None:
            return None, f"num_computed_tokens[{r}] is outside the state", False
        return nc + qe - qs, f"num_computed_tokens[{r}] + L = {nc} + {qe - qs} = {nc + qe - qs}", False
    if qe - qs == 1 and _advance_position(c, b, qs)[2]:
        return 1, f"the row's token passed pos_cap {c.s.get('pos_cap')} (on_cap pad): 1", True
    base_name = "seq_base" if "seq_base" in c.flat else "seq_lens"
    base, sub, delta = c.get(base_name, b), c.get("seq_sub", b) if "seq_sub" in c.flat else 0, _delta(c, b)
    if base is None or sub is None or delta is None:
        return None, f"{base_name}[{b}], seq_sub[{b}] or delta[{b}] is outside its tensor", False
    value = base - sub + delta
    text = f"{base_name}[{b}] - seq_sub[{b}] + delta_b = {base} - {sub} + {delta} = {value}"
    cap = c.s.get("seq_cap")
    if cap is not None and value > cap:
        return cap, text + f", min with seq_cap {cap} = {cap}", False
    return value, text, False


def _row_tensor(c: Context, tensor: str, b: int) -> Account:
    """seq_lens[b] or dcp_local_seq_lens[b]."""
    if b >= c.rows:
        if c.s.get("seq_lens_tail") == "zero":
            return zeroed(tensor, b, f"row {b} at or past R = {c.rows}")
        return kept(c, tensor, b, f"row {b} at or past R = {c.rows}")
    value, text, _ = _row_length(c, b)
    where = row_where(c, b, c.get("idx_mapping", b))
    if tensor == "seq_lens" or value is None:
        return Account(where, f"seq_lens[{b}] = {text}", value)
    cp, rank, i = c.s.get("cp_size", 1), c.s.get("cp_rank", 0), c.s.get("cp_interleave", 1)
    span = cp * i
    local = (value // span) * i + min(max(value % span - rank * i, 0), i)
    return Account(where, f"s = seq_lens[{b}] = {value}; (s // (cp * I)) * I + min(max(s % (cp * I) - cp_rank * I, "
                          f"0), I) = ({value} // {span}) * {i} + min(max({value % span} - {rank * i}, 0), {i}) "
                          f"= {local}",
                   local)


def _last_token(row: list[int]) -> tuple[Optional[int], int]:
    """lastToken of a sampled row: the element before the first -1, else the last; and its column."""
    first = row.index(-1) if -1 in row else len(row)
    return (row[first - 1], first - 1) if first > 0 else (None, -1)


def _bonus(c: Context, b: int, r: int) -> tuple[Optional[int], str]:
    if c.case.op == PREPARE_INPUTS:
        return c.get("last_sampled_tokens", r), f"last_sampled_tokens[{r}] = {c.get('last_sampled_tokens', r)}"
    if "tokens" in c.flat:
        return c.get("tokens", b), f"tokens[{b}] = {c.get('tokens', b)}"
    width = c.width("sampled_token_ids")
    row = c.flat["sampled_token_ids"][b * width:(b + 1) * width]
    value, column = _last_token(row)
    shown = f"{row[:8]}{' ...' if len(row) > 8 else ''}"
    return value, f"lastToken(sampled_token_ids[{b}] = {shown}) = {value} (column {column})"


def _input_id(c: Context, t: int) -> Account:
    b = c.token_row.get(t)
    if b is None:
        if c.s.get("token_tail") == "zero":
            return zeroed("input_ids", t, f"token t = {t} at or past T = {c.total()}")
        return kept(c, "input_ids", t, f"token t = {t} at or past T = {c.total()}")
    r = c.get("idx_mapping", b)
    where = row_where(c, b, r, t)
    qe = c.qs(b + 1) or 0
    if c.case.op == ADVANCE_DRAFTS:
        nb, drafts, decode_text = 1, qe - (c.qs(b) or 0) - 1, "ADVANCE row (always a decode row), NL = L"
    else:
        nb = c.s.get("num_bonus", 1)
        logits = (c.cu(b + 1) or 0) - (c.cu(b) or 0) if "cu_num_logits" in c.flat else nb
        drafts = logits - nb
        length, _, _ = _row_length(c, b)
        prefill = c.get("prefill_len", r) if "prefill_len" in c.flat and r is not None and r >= 0 else 0
        if length is None or prefill is None:
            return Account(where, "its state row is outside the state", None)
        if length <= prefill:
            return Account(where, f"a prefill row (seq_lens {length} <= prefill_len[{r}] = {prefill}): the "
                                  f"engine's token, not written (keeps {c.get('input_ids', t)})", None)
        decode_text = f"decode row (seq_lens {length} > prefill_len {prefill}), NL = {logits}, D = {drafts}"
        if nb == 1 and t == qe - logits and length - logits < prefill:
            return Account(where, f"{decode_text}; bonus position qe - NL = {t}, but seq_lens - NL = "
                                  f"{length - logits} < prefill_len {prefill} (the prompt tail): not written", None)
    if nb == 1 and t == qe - drafts - 1:
        value, text = _bonus(c, b, r)
        return Account(where, f"{decode_text}; the bonus token at qe - NL = {t}: {text}", value)
    if qe - drafts <= t < qe:
        k = t - (qe - drafts)
        value = c.cell("draft_tokens", r, k) if "draft_tokens" in c.flat and r is not None else None
        return Account(where, f"{decode_text}; draft k = {k} at qe - D + k = {t}: draft_tokens[{r}, {k}] = {value}",
                       value)
    return Account(where, f"{decode_text}; neither the bonus nor a draft position: not written", None)


def _logit(c: Context, i: int) -> Account:
    b = c.logit_row.get(i)
    if b is None:
        return kept(c, "logits_indices", i, f"at or past cu_num_logits[R] = {c.cu(c.rows)}")
    qe, low, high = c.qs(b + 1) or 0, c.cu(b) or 0, c.cu(b + 1) or 0
    logits, k = high - low, i - low
    return Account(row_where(c, b, c.get("idx_mapping", b)),
                   f"logits_indices[cu[{b}] + k = {low} + {k}] = qe - NL + k = {qe} - {logits} + {k} = "
                   f"{qe - logits + k}",
                   qe - logits + k)


# ---- the entry points ---------------------------------------------------------------------------------

def _account(c: Context, tensor: str, index: int) -> Account:
    if c.case.op == POST_UPDATE:
        return state_account(c, tensor, index)
    if tensor == "slot_mapping":
        tokens = len(c.flat["positions"])
        group, t = divmod(index, tokens) if tokens else (0, index)
        return _token_tensor(c, tensor, t, group)
    if tensor in ("positions", "token_seq_lens"):
        return _token_tensor(c, tensor, index)
    if tensor in ("seq_lens", "dcp_local_seq_lens"):
        return _row_tensor(c, tensor, index)
    if tensor == "input_ids":
        return _input_id(c, index)
    if tensor == "logits_indices":
        return _logit(c, index)
    if c.rewrite:  # query_start_loc of advance_drafts
        value = min(index, c.rows)
        return Account("", f"query_start_loc[{index}] = min(i, R) = min({index}, {c.rows}) = {value} (rewritten)", value)
    return kept(c, tensor, index, "(not rewritten)")


def element_terms(case: PrepareCase, tensor: str, index: int) -> str:
    """The account of element ``index`` (flat) of output ``tensor``: row, state row, token, formula, values."""
    size = int(np.asarray(case.tensors[tensor]).size)
    if not 0 <= index < size:
        return f"{tensor} has {size} elements, none at {index}"
    return _account(Context(case), tensor, index).text()


def predicted(case: PrepareCase) -> dict[str, np.ndarray]:
    """Every output of ``case`` recomputed element by element from the row formulas (a kept element holds
    its input). Meant for a case the library ran without a fault."""
    c = Context(case)
    out = {}
    for tensor in case.outputs:
        values = np.array(case.tensors[tensor], dtype=np.int64, copy=True)
        flat = values.reshape(-1)
        for index in range(flat.size):
            value = _account(c, tensor, index).value
            if value is not None:
                flat[index] = value
        out[tensor] = values
    return out


def fault_class(message: str) -> Optional[str]:
    """"F5: a block index past the bound ..." for a library data fault message naming its class."""
    match = re.search(r"data fault (F[1-8])", message)
    return f"{match.group(1)}: {FAULT_CLASSES[match.group(1)]}" if match else None
