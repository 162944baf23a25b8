"""The command's own reference implementation of advance_step, in numpy, for every mode.

It follows the contract (spec sections 2, 3, 4.1 and 6) line by line and shares no code with the
library's kernels, so ``run`` and ``golden`` can verify the library against it: a mistake would have
to be made twice, in two languages, to pass. ``advance`` returns the four updated tensors or raises
``Fault`` (the library then raises a data fault and writes nothing); ``row_terms`` spells out the
formula's terms for one element, for ``check``'s reports.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .case import OUTPUTS, Case
from .semantics import Semantics

INT64_MAX = int(np.iinfo(np.int64).max)


class Fault(Exception):
    """The inputs hold a value that cannot be advanced; ``sequence`` is the first such row."""

    def __init__(self, sequence: int, message: str) -> None:
        super().__init__(message)
        self.sequence = sequence


def advance(case: Case, semantics: Semantics) -> dict[str, np.ndarray]:
    """The four updated tensors (shapes as given) for ``case`` under ``semantics``; for a FlashInfer
    case the eight of reference_flashinfer.py (vLLM's semantics and the row bound, whatever ``semantics``)."""
    if case.is_flashinfer:
        from . import reference_flashinfer

        return reference_flashinfer.advance(case)
    mode = semantics.resolved()
    if mode.mode == "ascend":
        return _ascend_speculative(case, mode) if case.has_speculation() else _ascend_plain(case, mode)
    return _vllm_speculative(case, mode) if case.has_speculation() else _vllm_plain(case, mode)


# ---- shared helpers ---------------------------------------------------------------------------

def _outputs(case: Case) -> dict[str, np.ndarray]:
    return {name: np.array(case.tensors[name], dtype=np.int64, copy=True) for name in OUTPUTS}


def _flat(outputs: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    return tuple(outputs[name].reshape(-1) for name in OUTPUTS)


def _table(case: Case) -> tuple[np.ndarray, int]:
    """blockTables as a flat array, and its row length W."""
    tables = case.tensors["blockTables"]
    flat = np.asarray(tables, dtype=np.int64).reshape(-1)
    return flat, flat.size // max(1, int(tables.shape[0]))


def _raise_first(rows: np.ndarray, checks: list[tuple[np.ndarray, Callable[[int], str]]]) -> None:
    """Raise Fault for the earliest row any check flags (the first check wins within a row)."""
    best = None
    for mask, describe in checks:
        hits = np.flatnonzero(mask)
        if hits.size and (best is None or hits[0] < best[0]):
            best = (int(hits[0]), describe)
    if best is not None:
        index, describe = best
        raise Fault(int(rows[index]), describe(index))


def _bound_checks(case: Case, mode: Semantics, seq: np.ndarray, block: np.ndarray,
                  table_index: np.ndarray, what: Callable[[int], str]) -> list[tuple[np.ndarray, Callable[[int], str]]]:
    """A block index that leaves the table (table bound) or the row (row bound)."""
    flat, width = _table(case)
    leaves_table = table_index >= flat.size
    checks = [(leaves_table, lambda k: f"{what(k)}: block index {int(table_index[k])} leaves blockTables "
                                       f"({flat.size} entries)")]
    if mode.bound == "row":
        past_row = block >= width
        checks.insert(0, (past_row, lambda k: f"{what(k)}: block {int(block[k])} is at or past the row width {width}: "
                                              f"the slot would be sequence {int(seq[k]) + int(block[k]) // width}'s, "
                                              f"not sequence {int(seq[k])}'s"))
    return checks


# ---- vLLM's semantics (spec sections 2 and 3), 64-bit ------------------------------------------

def _vllm_plain(case: Case, mode: Semantics) -> dict[str, np.ndarray]:
    n, q, b = case.num_seqs, case.num_queries, case.block_size
    out = _outputs(case)
    tokens, positions, lens, slots = _flat(out)
    flat, width = _table(case)
    sampled = np.asarray(case.tensors["sampledTokenIds"], dtype=np.int64).reshape(-1)
    rows = np.arange(q, dtype=np.int64)
    pos = lens[:q].copy()
    negative = pos < 0
    safe = np.where(negative, 0, pos)
    block, offset = safe // b, safe % b
    table_index = np.where(block >= flat.size, flat.size, rows * width + np.minimum(block, flat.size))
    readable = ~negative & (table_index < flat.size) & (block < width if mode.bound == "row" else True)
    block_id = np.where(readable, flat[np.where(readable, table_index, 0)], 0)
    checks = [
        (negative, lambda k: f"seqLens[{k}] = {int(pos[k])} is negative"),
        (pos == INT64_MAX, lambda k: f"seqLens[{k}] + 1 overflows int64"),
        *_bound_checks(case, mode, rows, block, table_index, lambda k: f"row {k} (position {int(pos[k])})"),
        (readable & (block_id < 0), lambda k: f"row {k}: negative block id {int(block_id[k])}"),
        (readable & (block_id > (INT64_MAX - offset) // b), lambda k: f"row {k}: slot of block {int(block_id[k])} "
                                                                      "overflows int64"),
    ]
    _raise_first(rows, checks)
    tokens[:q] = sampled[:q]
    positions[:q] = pos
    lens[:q] = pos + 1
    slots[:q] = block_id * b + offset
    tokens[q:n], positions[q:n], slots[q:n] = 0, 0, -1
    return out


def _last_token_index(sampled: np.ndarray) -> np.ndarray:
    """Per row, the column of the first -1 (E when none)."""
    rejected = sampled == -1
    return np.where(rejected.any(axis=1), rejected.argmax(axis=1), sampled.shape[1])


def _vllm_speculative(case: Case, mode: Semantics) -> dict[str, np.ndarray]:
    n, b = case.num_seqs, case.block_size
    width_e = case.spec_num + 1
    out = _outputs(case)
    tokens, positions, lens, slots = _flat(out)
    flat, width = _table(case)
    sampled = np.asarray(case.tensors["sampledTokenIds"], dtype=np.int64).reshape(n, width_e)
    spec = np.asarray(case.tensors["specToken"], dtype=np.int64).reshape(n, case.spec_num)
    accepted = np.repeat(np.asarray(case.tensors["acceptedNum"], dtype=np.int64).reshape(-1), width_e)
    seq = np.repeat(np.arange(n, dtype=np.int64), width_e)
    old = positions.copy()
    # acceptedNum is an offset (spec section 4): only the position it leads to is checked, each
    # bound compared before the addition so that numpy's int64 cannot wrap.
    overflow = (accepted >= 0) & (old > INT64_MAX - 1 - accepted)
    negative_new = ~overflow & (old < -1 - accepted)
    bad_sum = overflow | negative_new
    new = np.where(bad_sum, 0, old + np.where(bad_sum, 0, accepted) + 1)
    safe = new
    block, offset = safe // b, safe % b
    table_index = np.where(block >= flat.size, flat.size, seq * width + np.minimum(block, flat.size))
    bad_position = bad_sum | (new == INT64_MAX)
    readable = ~bad_position & (table_index < flat.size) & (block < width if mode.bound == "row" else True)
    block_id = np.where(readable, flat[np.where(readable, table_index, 0)], 0)
    last = _last_token_index(sampled)
    cell = lambda k: f"sequence {k // width_e} column {k % width_e}"  # noqa: E731
    checks = [
        (overflow, lambda k: f"{cell(k)}: inputPositions + acceptedNum + 1 overflows int64"),
        (negative_new, lambda k: f"{cell(k)}: new position inputPositions[{k}] + acceptedNum + 1 = "
                                 f"{int(old[k])} + {int(accepted[k])} + 1 is negative"),
        (~overflow & (new == INT64_MAX), lambda k: f"{cell(k)}: seqLens = position + 1 overflows int64"),
        *_bound_checks(case, mode, seq, block, table_index, lambda k: f"{cell(k)} (position {int(new[k])})"),
        (readable & (block_id < 0), lambda k: f"{cell(k)}: negative block id {int(block_id[k])}"),
        (readable & (block_id > (INT64_MAX - offset) // b), lambda k: f"{cell(k)}: slot overflows int64"),
        (np.repeat(last == 0, width_e), lambda k: f"sampledTokenIds row {k // width_e} starts with -1"),
    ]
    _raise_first(seq, checks)
    positions[:] = new
    lens[:] = new + 1
    slots[:] = block_id * b + offset
    grid = tokens.reshape(n, width_e)
    grid[:, 0] = sampled[np.arange(n), last - 1]
    grid[:, 1:] = spec
    return out


# ---- the Ascend kernels' semantics (spec section 6) --------------------------------------------
#
# The kernels check no value: their scalar and vector units wrap (V1 in int64, V2 in int32), and
# divide as C does, truncating toward zero, so a small negative position still reads block 0. Only
# a read outside blockTables (or past the row, under the row bound) is a fault, as is a V2 row
# whose minimum is its first column (the kernel would read the element before the row).

def _c_division(values: np.ndarray, divisor: int) -> tuple[np.ndarray, np.ndarray]:
    """Quotient truncated toward zero and the remainder with the dividend's sign (C's / and %)."""
    quotient = values // divisor
    quotient = quotient + ((values < 0) & (quotient * divisor != values))
    return quotient, values - quotient * divisor


def _ascend_bound_checks(mode: Semantics, seq: np.ndarray, block: np.ndarray, entry: np.ndarray, size: int,
                         width: int, what: Callable[[int], str]) -> list[tuple[np.ndarray, Callable[[int], str]]]:
    if mode.bound == "row":
        return [((block < 0) | (block >= width),
                 lambda k: f"{what(k)}: block {int(block[k])} is outside its row of {width}: the slot would be "
                           f"another sequence's than sequence {int(seq[k])}'s")]
    return [((entry < 0) | (entry >= size),
             lambda k: f"{what(k)}: block index {int(entry[k])} leaves blockTables ({size} entries)")]


def _ascend_plain(case: Case, mode: Semantics) -> dict[str, np.ndarray]:
    """V1: block id from row 0 plus W * i, only min(Q, cores) rows, padding every cores-th row;
    int64 arithmetic that wraps."""
    n, q, b, cores = case.num_seqs, case.num_queries, case.block_size, int(mode.cores or 0)
    out = _outputs(case)
    tokens, positions, lens, slots = _flat(out)
    flat, width = _table(case)
    sampled = np.asarray(case.tensors["sampledTokenIds"], dtype=np.int64).reshape(-1)
    rows = np.arange(min(q, cores), dtype=np.int64)
    pos = lens[rows].copy()
    block, offset = _c_division(pos, b)
    _raise_first(rows, _ascend_bound_checks(mode, rows, block, block, flat.size, width,
                                            lambda k: f"row {k} (seqLens {int(pos[k])})"))
    with np.errstate(over="ignore"):
        slot = (flat[block] + width * rows) * b + offset
        lens[rows] = pos + 1
    tokens[rows] = sampled[rows]
    positions[rows] = pos
    slots[rows] = slot
    padded = np.arange(q, n, max(1, cores), dtype=np.int64)
    tokens[padded], positions[padded], slots[padded] = 0, 0, -1
    return out


def _int32(values: np.ndarray) -> np.ndarray:
    """The low 32 bits as a signed value (an int64 -> int32 cast, or an int32 sum that wrapped),
    held in int64."""
    return np.asarray(values, dtype=np.int64).astype(np.int32).astype(np.int64)


def _ascend_speculative(case: Case, mode: Semantics) -> dict[str, np.ndarray]:
    """V2: positions, lengths and slots in int32 with wrap-around; lastToken by argmin."""
    n, b = case.num_seqs, case.block_size
    width_e = case.spec_num + 1
    out = _outputs(case)
    tokens, positions, lens, slots = _flat(out)
    flat, width = _table(case)
    sampled = np.asarray(case.tensors["sampledTokenIds"], dtype=np.int64).reshape(n, width_e)
    spec = np.asarray(case.tensors["specToken"], dtype=np.int64).reshape(n, case.spec_num)
    accepted = _int32(np.repeat(np.asarray(case.tensors["acceptedNum"], dtype=np.int64).reshape(-1), width_e))
    seq = np.repeat(np.arange(n, dtype=np.int64), width_e)
    new = _int32(_int32(positions) + accepted + 1)
    block, offset = _c_division(new, b)
    entry = seq * width + block
    # The sampled row with a -1 appended, compared as float32 as the kernel's ReduceMin does; the
    # first minimum wins.
    with_sentinel = np.concatenate([sampled.astype(np.float32), np.full((n, 1), -1, np.float32)], axis=1)
    last = with_sentinel.argmin(axis=1)
    cell = lambda k: f"sequence {k // width_e} column {k % width_e}"  # noqa: E731
    checks = _ascend_bound_checks(mode, seq, block, entry, flat.size, width,
                                  lambda k: f"{cell(k)} (position {int(new[k])}, int32)")
    checks.append((np.repeat(last == 0, width_e), lambda k: f"sampledTokenIds row {k // width_e}: its minimum is in "
                                                            "column 0, so the kernel would read before the row"))
    _raise_first(seq, checks)
    positions[:] = new
    lens[:] = _int32(new + 1)
    slots[:] = _int32(_int32(flat[entry]) * b + offset)
    grid = tokens.reshape(n, width_e)
    grid[:, 0] = sampled[np.arange(n), last - 1]
    grid[:, 1:] = spec
    return out
