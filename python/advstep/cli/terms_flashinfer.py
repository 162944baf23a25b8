"""The formula's terms behind an element of an advance_step_flashinfer case (spec section 9).

``check`` prints ``element_terms`` beside each differing element; ``explain`` groups the differing
elements of a case by the row they belong to (``row_of``) and prints ``row_account`` for each: the
row's length, its bound, last-page length, indptr and pages, predicted against observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .case import METADATA, OUTPUTS, Case
from .compare import Difference
from .semantics import Semantics
from .terms import row_terms

#: What the FlashInfer form computes its advance_step part with.
ROW_BOUND_VLLM = Semantics("vllm", None, "row")


@dataclass
class _Pages:
    """Each query row's page count (from the input seqLens) and where its pages start."""

    counts: list[int]
    starts: list[int]  # Q + 1 prefix sums

    @property
    def total(self) -> int:
        return self.starts[-1]


def _pages(case: Case) -> _Pages:
    lens = np.asarray(case.tensors["seqLens"]).reshape(-1)[: case.num_queries].tolist()
    counts = [max(0, pos) // case.block_size + 1 for pos in lens]
    starts = [0]
    for count in counts:
        starts.append(starts[-1] + count)
    return _Pages(counts, starts)


def _value(case: Case, name: str, index: int) -> int:
    return int(np.asarray(case.tensors[name]).reshape(-1)[index])


def _sum_text(counts: list[int]) -> str:
    if not counts:
        return "0"
    shown = " + ".join(map(str, counts[:4])) + (" + ..." if len(counts) > 4 else "")
    return f"{shown} = {sum(counts)}" if len(counts) > 1 else str(counts[0])


def row_of(case: Case, tensor: str, index: int) -> Optional[int]:
    """The row element ``index`` of ``tensor`` belongs to (None: pagedKvIndptr[0], or an index
    element past every row's pages)."""
    if tensor == "pagedKvIndptr":
        return index - 1 if index > 0 else None
    if tensor == "pagedKvIndices":
        pages = _pages(case)
        if index >= pages.total:
            return None
        return next(q for q in range(case.num_queries) if index < pages.starts[q + 1])
    return index


def element_terms(case: Case, tensor: str, index: int) -> str:
    """The inputs and terms behind element ``index`` (flat) of the output ``tensor`` of ``case``."""
    n, q, b = case.num_seqs, case.num_queries, case.block_size
    if tensor in OUTPUTS:
        return row_terms(case, ROW_BOUND_VLLM, index)
    pages = _pages(case)
    if tensor == "pagedKvIndices":
        row = row_of(case, tensor, index)
        if row is None:
            return (f"past pagedKvIndptr[{q}] = {pages.total}: not written, keeps its input "
                    f"{_value(case, tensor, index)}")
        column = index - pages.starts[row]
        width = np.asarray(case.tensors["blockTables"]).size // max(1, n)
        return (f"page {column} of query row {row} (pagedKvIndptr[{row}] = {pages.starts[row]}, blockTableBound "
                f"{pages.counts[row]}): blockTables[{row}][{column}] = {_value(case, 'blockTables', row * width + column)}")
    if tensor == "pagedKvIndptr":
        if index == 0:
            return "pagedKvIndptr[0] = 0"
        if index <= q:
            return f"pagedKvIndptr[{index}] = blockTableBound[0..{index - 1}] summed = {_sum_text(pages.counts[:index])}"
        return f"padding row {index - 1} (numQueries = {q}): pagedKvIndptr[{index}] = pagedKvIndptr[{q}] = {pages.total}"
    if index >= q:
        return f"padding row {index} (numQueries = {q}): {tensor} not written, keeps its input {_value(case, tensor, index)}"
    pos = _value(case, "seqLens", index)
    if tensor == "pagedKvLastPageLen":
        return f"query row {index}: seqLens[{index}] = {pos}, {pos} % {b} + 1 = {pos % b + 1}"
    return f"query row {index}: seqLens[{index}] = {pos}, {pos} / {b} + 1 = {pos // b + 1}"


def row_account(case: Case, found: list[Difference], rows: int) -> list[str]:
    """Per row (at most ``rows`` of them, first first), every differing element predicted against
    observed, then that row's terms: which row and field differs, and what the formula gave it."""
    by_row: dict[Optional[int], list[str]] = {}
    pages: dict[Optional[int], list[str]] = {}
    for difference in found:
        want = np.asarray(difference.expected).reshape(-1)
        got = np.asarray(difference.actual).reshape(-1)
        for k in difference.indices.tolist():
            if k >= want.size or k >= got.size:
                continue
            text = f"{difference.tensor}[{k}] predicted {int(want[k])}, observed {int(got[k])}"
            row = row_of(case, difference.tensor, k)
            by_row.setdefault(row, []).append(text)
            if difference.tensor == "pagedKvIndices":  # which page of which row, from which table entry
                pages.setdefault(row, []).append(f"      pagedKvIndices[{k}]: {element_terms(case, difference.tensor, k)}")
    lines = []
    for row in sorted(by_row, key=lambda r: -1 if r is None else r)[:rows]:
        fields = "; ".join(by_row[row][:4]) + ("; ..." if len(by_row[row]) > 4 else "")
        kind = "outside the rows" if row is None else f"{'query' if row < case.num_queries else 'padding'} row {row}"
        lines.append(f"    {kind}: {fields}")
        lines += pages.get(row, [])[:4]
        if row is None:
            continue
        tensors = OUTPUTS if row >= case.num_queries else ("seqLens",) + METADATA[1:]
        seen = set()
        for tensor in tensors:
            index = row + 1 if tensor == "pagedKvIndptr" else row
            terms = element_terms(case, tensor, index)
            if terms not in seen:
                seen.add(terms)
                lines.append(f"      {tensor}: {terms}")
    return lines
