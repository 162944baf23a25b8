"""An independent reference for advance_step_flashinfer (spec section 9): plain loops over lists.

Shares nothing with the library nor with numpy. ``advance_flashinfer`` returns the new contents of
the eight mutated arrays, or raises ``Fault`` (then the library must raise a data fault and write
nothing).
"""

from __future__ import annotations

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1


class Fault(Exception):
    """The inputs hold a value the operator cannot advance."""


def _most(dtype_bits: int) -> int:
    return INT32_MAX if dtype_bits == 32 else INT64_MAX


def advance_flashinfer(
    num_seqs: int,
    num_queries: int,
    block_size: int,
    arrays: dict[str, list[int]],
    width: int,
    bits: dict[str, int],
    sampled_is_tokens: bool = False,
) -> dict[str, list[int]]:
    """The step on flat lists: ``arrays`` by vLLM's names, ``bits`` the dtype width of each index array."""
    out = {name: list(values) for name, values in arrays.items()}
    sampled = arrays["input_tokens"] if sampled_is_tokens else arrays["sampled_token_ids"]
    tables = arrays["block_tables"]
    pages = []
    for q in range(num_queries):
        pos = arrays["seq_lens"][q]
        if pos < 0:
            raise Fault(f"sequence {q}: negative length {pos}")
        if pos + 1 > _most(bits["seq_lens"]):
            raise Fault(f"sequence {q}: length overflows")
        count = pos // block_size + 1
        if count > width:
            raise Fault(f"sequence {q}: {count} pages past its row of {width}")
        if count > _most(bits["block_table_bound"]) or pos % block_size + 1 > _most(bits["paged_kv_last_page_len"]):
            raise Fault(f"sequence {q}: metadata overflows")
        block_id = tables[q * width + pos // block_size]
        if block_id < 0 or block_id * block_size + pos % block_size > INT64_MAX:
            raise Fault(f"sequence {q}: bad block id {block_id}")
        for c in range(count):
            page = tables[q * width + c]
            if page < 0 or page > _most(bits["paged_kv_indices"]):
                raise Fault(f"sequence {q}: bad page id {page}")
        pages.append(count)
    total = 0
    for count in pages:
        total += count
        if total > _most(bits["paged_kv_indptr"]):
            raise Fault("indptr overflows")
    if total > len(arrays["paged_kv_indices"]):
        raise Fault(f"{total} pages do not fit {len(arrays['paged_kv_indices'])}")
    out["paged_kv_indptr"][0] = 0
    first = 0
    for q in range(num_queries):
        pos = arrays["seq_lens"][q]
        out["input_tokens"][q] = sampled[q]
        out["input_positions"][q] = pos
        out["seq_lens"][q] = pos + 1
        out["slot_mapping"][q] = tables[q * width + pos // block_size] * block_size + pos % block_size
        out["paged_kv_last_page_len"][q] = pos % block_size + 1
        out["block_table_bound"][q] = pages[q]
        for c in range(pages[q]):
            out["paged_kv_indices"][first + c] = tables[q * width + c]
        first += pages[q]
        out["paged_kv_indptr"][q + 1] = first
    for t in range(num_queries, num_seqs):
        out["input_tokens"][t] = 0
        out["input_positions"][t] = 0
        out["slot_mapping"][t] = -1
        out["paged_kv_indptr"][t + 1] = total
    return out
