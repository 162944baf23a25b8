"""The command's own reference of advance_step_flashinfer (spec section 9), in numpy.

Written from the spec for the command, like reference.py, and sharing no code with the library's
kernels nor with the test suite's oracle: ``golden`` writes a FlashInfer case only where the library
and this formula agree. ``advance`` returns the eight updated tensors (int64, shapes as given) or
raises reference.Fault (the library then raises a data fault and writes nothing).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .case import METADATA, Case
from .reference import INT64_MAX, Fault, _flat, _outputs, _raise_first, _table

#: The largest value of each dtype a metadata tensor may have.
LARGEST = {"int32": 2**31 - 1, "int64": INT64_MAX}


def row_bound_reason(width: int) -> str:
    """Why a row's pages may not pass its own row of the block table (spec section 9)."""
    return (f"past its row of {width} blocks: a sequence's pages are copied from its own blockTables row, so the "
            f"FlashInfer form always applies the row bound")


def advance(case: Case) -> dict[str, np.ndarray]:
    """The eight updated tensors of ``case`` (advance_step's four, then the four metadata tensors)."""
    n, q, b = case.num_seqs, case.num_queries, case.block_size
    out = _outputs(case)
    for name in METADATA:
        out[name] = np.array(case.tensors[name], dtype=np.int64, copy=True)
    tokens, positions, lens, slots = _flat(out)
    indices, indptr = out["pagedKvIndices"].reshape(-1), out["pagedKvIndptr"].reshape(-1)
    last_len, bound = out["pagedKvLastPageLen"].reshape(-1), out["blockTableBound"].reshape(-1)
    flat, width = _table(case)
    tables = flat.reshape(-1, width) if width else np.zeros((flat.size, 0), dtype=np.int64)
    # sampledTokenIds is read before anything is written (vLLM passes inputTokens as it).
    sampled = np.array(case.tensors["sampledTokenIds"], dtype=np.int64).reshape(-1)[:q]
    rows = np.arange(q, dtype=np.int64)
    pos = lens[:q].copy()
    safe = np.where(pos < 0, 0, pos)
    pages = safe // b + 1  # block_table_bound: the blocks the sequence spans after this step
    offset = safe % b
    in_row = (pos >= 0) & (pages <= width)
    block_id = np.where(in_row, tables[rows, np.where(in_row, pages - 1, 0)] if width else 0, 0)
    largest = {name: LARGEST[case.dtype(name)] for name in METADATA}
    # Every page a row copies: columns below its bound, checked only for rows whose bound is in the row.
    columns = np.arange(width, dtype=np.int64)
    copied = in_row[:, None] & (columns[None, :] < pages[:, None]) if width else np.zeros((q, 0), dtype=bool)
    row_tables = tables[:q] if width else np.zeros((q, 0), dtype=np.int64)
    bad_page = copied & ((row_tables < 0) | (row_tables > largest["pagedKvIndices"]))
    first_bad = bad_page.argmax(axis=1) if width else np.zeros(q, dtype=np.int64)

    def page_text(k: int) -> str:
        c = int(first_bad[k])
        page = int(row_tables[k, c])
        rule = "is negative" if page < 0 else f"does not fit pagedKvIndices ({case.dtype('pagedKvIndices')})"
        return f"row {k}: page blockTables[{k}][{c}] = {page} {rule}"

    checks: list[tuple[np.ndarray, Callable[[int], str]]] = [
        (pos < 0, lambda k: f"seqLens[{k}] = {int(pos[k])} is negative"),
        (pos == INT64_MAX, lambda k: f"seqLens[{k}] + 1 overflows int64"),
        ((pos >= 0) & (pages > width),
         lambda k: f"row {k} (position {int(pos[k])}): blockTableBound {int(pages[k])} = {int(pos[k])} / {b} + 1 is "
                   + row_bound_reason(width)),
        ((pos >= 0) & (pages > largest["blockTableBound"]),
         lambda k: f"row {k}: blockTableBound {int(pages[k])} does not fit {case.dtype('blockTableBound')}"),
        ((pos >= 0) & (offset + 1 > largest["pagedKvLastPageLen"]),
         lambda k: f"row {k}: pagedKvLastPageLen {int(offset[k]) + 1} does not fit "
                   f"{case.dtype('pagedKvLastPageLen')}"),
        (in_row & (block_id < 0), lambda k: f"row {k}: negative block id {int(block_id[k])}"),
        (in_row & (block_id > (INT64_MAX - offset) // b), lambda k: f"row {k}: slot of block {int(block_id[k])} "
                                                                    "overflows int64"),
        (bad_page.any(axis=1), page_text),
    ]
    _raise_first(rows, checks)
    # Python integers: a prefix sum of int64 bounds may pass int64 itself.
    sums = [0]
    for k, count in enumerate(pages.tolist()):
        sums.append(sums[-1] + count)
        if sums[-1] > largest["pagedKvIndptr"]:
            raise Fault(k, f"row {k}: pagedKvIndptr[{k + 1}] = {sums[-1]} does not fit {case.dtype('pagedKvIndptr')}")
    total = sums[-1]
    if total > indices.size:
        raise Fault(q - 1, f"the {q} query rows span {total} pages, pagedKvIndices holds {indices.size} "
                           f"(its capacity C): they do not fit")
    tokens[:q] = sampled
    positions[:q] = pos
    lens[:q] = pos + 1
    slots[:q] = block_id * b + offset
    tokens[q:n], positions[q:n], slots[q:n] = 0, 0, -1
    last_len[:q] = offset + 1
    bound[:q] = pages
    indptr[: q + 1] = sums
    indptr[q + 1: n + 1] = total
    if total:
        indices[:total] = row_tables[copied]
    return out
