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


def _int32(value: int) -> int:
    return (value + 2**31) % 2**32 - 2**31


def _c_divide(pos: int, b: int) -> tuple[int, int]:
    """C's / and % (toward zero), as the Ascend kernels divide."""
    block = abs(pos) // b * (1 if pos >= 0 else -1)
    return block, pos - block * b


def _slot_text(case: Case, table_index: int, block: int, pos: int, row_label: str, shift: int = 0) -> str:
    flat = np.asarray(case.tensors["blockTables"]).reshape(-1)
    b = case.block_size
    offset = pos - block * b
    if not 0 <= table_index < flat.size:
        return f"blockTables index {table_index} is outside the table ({flat.size} entries)"
    value = int(flat[table_index])
    if shift:
        return (f"blockTables{row_label}[{pos} / {b} = {block}] = {value}, block = {value} + {shift} = {value + shift}, "
                f"slot = {value + shift} * {b} + {offset} = {(value + shift) * b + offset}")
    return f"blockTables{row_label}[{pos} / {b} = {block}] = {value}, slot = {value} * {b} + {offset} = {value * b + offset}"


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
        block = p // b
        sampled = np.asarray(case.tensors["sampledTokenIds"]).reshape(n, e)[i].tolist()
        text = (f"sequence {i} column {j}: inputPositions[{index}] = {old}, acceptedNum[{i}] = {accepted}, "
                f"position = {old} + {accepted} + 1 = {p}")
        if mode.mode == "ascend":
            p = _int32(_int32(old) + _int32(accepted) + 1)
            block = _c_divide(p, b)[0]
            text += f" (int32: {p})"
        if p >= 0 or mode.mode == "ascend":
            text += ", " + _slot_text(case, i * width + block, block, p, f"[{i}]")
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
    if mode.mode == "ascend":
        block = _c_divide(pos, b)[0]
        return text + ", " + _slot_text(case, block, block, pos, "(flat)", shift=width * index)
    if pos < 0:
        return text + " (negative)"
    return text + ", " + _slot_text(case, index * width + pos // b, pos // b, pos, f"[{index}]")
