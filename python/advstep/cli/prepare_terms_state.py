"""The accounts of post_update's elements (prepare_step.md section 3.3): the state rows it updates, each from
the batch row naming it (prepare_terms.py holds the accounts of the other two operations)."""

from __future__ import annotations

from typing import Optional

from .prepare_account import Account, Context, kept


def _state_row(c: Context, r: int) -> Optional[int]:
    """The batch row b naming state row r (the first; two are a fault)."""
    idx = c.flat["idx_mapping"]
    return idx.index(r) if r in idx else None


def state_account(c: Context, tensor: str, index: int) -> Account:
    width = c.width(tensor) if tensor == "all_token_ids" else 1
    r, column = divmod(index, width)
    b = _state_row(c, r)
    if b is None:
        return kept(c, tensor, index, f"state row r = {r}: no batch row names it")
    where = f"state row r = {r} (idx_mapping[{b}] = {r}, row b = {b})"
    n, rejected = c.get("num_sampled", b), c.get("num_rejected", b)
    if n is None or rejected is None:
        return Account(where, f"num_sampled[{b}] or num_rejected[{b}] is outside its tensor", None)
    sampled_width = c.width("sampled_tokens")
    if tensor == "num_computed_tokens":
        length = (c.get("query_start_loc", b + 1) or 0) - (c.get("query_start_loc", b) or 0) \
            if "query_start_loc" in c.flat else 0
        old = c.get(tensor, r)
        return Account(where, f"num_computed_tokens[{r}] + L_b - num_rejected[{b}] = {old} + {length} - {rejected} "
                              f"= {old + length - rejected}", old + length - rejected)
    if n <= 0:
        return Account(where, f"num_sampled[{b}] = {n}: nothing sampled, {tensor}[{index}] keeps "
                              f"{c.get(tensor, index)}", None)
    if tensor == "last_sampled_tokens":
        value = c.cell("sampled_tokens", b, n - 1)
        return Account(where, f"sampled_tokens[{b}, num_sampled - 1 = {n - 1}] = {value}", value)
    start = c.get("total_len", r)
    if tensor == "total_len":
        return Account(where, f"total_len[{r}] + num_sampled[{b}] = {start} + {n} = {start + n}", start + n)
    if start is not None and start <= column < start + n and column - start < sampled_width:
        value = c.cell("sampled_tokens", b, column - start)
        return Account(where, f"all_token_ids[{r}, {column}] = sampled_tokens[{b}, {column} - total_len {start}] = "
                              f"{value}", value)
    return kept(c, tensor, index, f"column {column} outside [total_len, total_len + n) = [{start}, {start + n})")
