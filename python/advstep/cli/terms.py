"""The formula's terms for one element: what ``check`` prints beside a difference.

For an element of an output tensor it names the row (and, on the speculative path, the sequence
and column), the inputs that row reads and each intermediate value of the slot formula under the
semantics the golden was made with, so a reader sees which term went wrong.
"""

from __future__ import annotations

import numpy as np

from .case import Case
from .semantics import Semantics


def _value(case: Case, name: str, index: int) -> int:
    return int(np.asarray(case.tensors[name]).reshape(-1)[index])


def _slot_text(case: Case, table_index: int, block: int, pos: int, row_label: str, shift: int = 0) -> str:
    flat = np.asarray(case.tensors["blockTables"]).reshape(-1)
    b = case.block_size
    if not 0 <= table_index < flat.size:
        return f"blockTables index {table_index} is outside the table ({flat.size} entries)"
    value = int(flat[table_index])
    if shift:
        return (f"blockTables{row_label}[{pos} // {b} = {block}] = {value}, block = {value} + {shift} = {value + shift}, "
                f"slot = {value + shift} * {b} + {pos % b} = {(value + shift) * b + pos % b}")
    return f"blockTables{row_label}[{pos} // {b} = {block}] = {value}, slot = {value} * {b} + {pos % b} = {value * b + pos % b}"


def row_terms(case: Case, semantics: Semantics, index: int) -> str:
    """The inputs and formula terms behind element ``index`` (flat) of the outputs of ``case``."""
    mode = semantics.resolved()
    n, q, b = case.num_seqs, case.num_queries, case.block_size
    tables = case.tensors["blockTables"]
    width = int(np.asarray(tables).size // max(1, tables.shape[0]))
    if case.has_speculation():
        e = case.spec_num + 1
        i, j = divmod(index, e)
        old = _value(case, "inputPositions", index)
        accepted = _value(case, "acceptedNum", i)
        p = old + accepted + 1
        sampled = np.asarray(case.tensors["sampledTokenIds"]).reshape(n, e)[i].tolist()
        text = (f"sequence {i} column {j}: inputPositions[{index}] = {old}, acceptedNum[{i}] = {accepted}, "
                f"position = {old} + {accepted} + 1 = {p}")
        if mode.mode == "ascend":
            text += " (int32 arithmetic)"
        if p >= 0:
            text += ", " + _slot_text(case, i * width + p // b, p // b, p, f"[{i}]")
        token = "lastToken of" if j == 0 else f"specToken[{i}, {j - 1}]; row"
        return text + f"; token: {token} sampledTokenIds[{i}] = {sampled}"
    if index >= q:
        if mode.mode == "ascend" and (index - q) % max(1, int(mode.cores or 1)) != 0:
            return (f"padding row {index} (numQueries = {q}): not written, it is not numQueries + k * cores "
                    f"({mode.cores})")
        return f"padding row {index} (numQueries = {q}): token 0, position 0, slot -1, seqLens kept"
    if mode.mode == "ascend" and index >= int(mode.cores or 0):
        return f"query row {index}: not updated, at or past the core count ({mode.cores})"
    pos = _value(case, "seqLens", index)
    text = f"query row {index}: sampledTokenIds[{index}] = {_value(case, 'sampledTokenIds', index)}, seqLens[{index}] = {pos}"
    if pos < 0:
        return text + " (negative)"
    if mode.mode == "ascend":
        return text + ", " + _slot_text(case, pos // b, pos // b, pos, "(flat)", shift=width * index)
    return text + ", " + _slot_text(case, index * width + pos // b, pos // b, pos, f"[{index}]")
