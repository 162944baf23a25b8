"""An independent reference for advance_step: plain loops over Python lists and ints.

Two semantics: vLLM's (``advance_v1``/``advance_v2``, with an optional row bound) and the Ascend
NPU kernels' (``ascend_v1``/``ascend_v2``, spec section 6), each read off its source.

It shares nothing with the library (nor with numpy): it follows spec sections 2 and 3 line by line,
so a mistake in the kernels cannot also be a mistake here. Every array is a flat list in row-major
order; ``advance_v1``/``advance_v2`` return the new contents of the four mutated arrays, or raise
``Fault`` when a value cannot be advanced (then the library must raise a data fault and write
nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1


class Fault(Exception):
    """The inputs hold a value the operator cannot advance."""


@dataclass
class Outputs:
    input_tokens: list[int]
    input_positions: list[int]
    seq_lens: list[int]
    slot_mapping: list[int]


def _slot(block_tables: list[int], stride: int, seq: int, pos: int, block_size: int,
          row_bound: bool = False) -> int:
    """bt[seq * stride + pos // B] * B + pos % B, bounded by the whole table (or the row)."""
    if row_bound and pos // block_size >= stride:
        raise Fault(f"block index {pos // block_size} of sequence {seq} is past its row of {stride}")
    index = seq * stride + pos // block_size
    if index >= len(block_tables):
        raise Fault(f"block index {index} leaves a table of {len(block_tables)} entries")
    block_id = block_tables[index]
    if block_id < 0:
        raise Fault(f"negative block id {block_id}")
    slot = block_id * block_size + pos % block_size
    if slot > INT64_MAX:
        raise Fault(f"slot {slot} overflows int64")
    return slot


def advance_v1(
    input_tokens: list[int],
    sampled_token_ids: list[int],
    input_positions: list[int],
    seq_lens: list[int],
    slot_mapping: list[int],
    block_tables: list[int],
    table_rows: int,
    num_seqs: int,
    num_queries: int,
    block_size: int,
    seq_len_max: int = INT64_MAX,
    row_bound: bool = False,
) -> Outputs:
    """vLLM's advance_step_flashattn; sampled_token_ids is [Q, 1] flattened."""
    out = Outputs(list(input_tokens), list(input_positions), list(seq_lens), list(slot_mapping))
    stride = len(block_tables) // table_rows
    for i in range(num_queries):
        pos = seq_lens[i]
        if pos < 0:
            raise Fault(f"seq_lens[{i}] = {pos} is negative")
        if pos + 1 > seq_len_max:
            raise Fault(f"seq_lens[{i}] + 1 overflows")
        out.input_tokens[i] = sampled_token_ids[i]
        out.input_positions[i] = pos
        out.seq_lens[i] = pos + 1
        out.slot_mapping[i] = _slot(block_tables, stride, i, pos, block_size, row_bound)
    for j in range(num_queries, num_seqs):
        out.input_tokens[j] = 0
        out.input_positions[j] = 0
        out.slot_mapping[j] = -1
    return out


def advance_v2(
    input_tokens: list[int],
    sampled_token_ids: list[int],
    input_positions: list[int],
    seq_lens: list[int],
    slot_mapping: list[int],
    block_tables: list[int],
    table_rows: int,
    num_seqs: int,
    block_size: int,
    spec_token: list[int],
    accepted_num: list[int],
    spec_num: int,
    seq_len_max: int = INT64_MAX,
    row_bound: bool = False,
) -> Outputs:
    """The speculative path: E = S + 1 cells per sequence; sampled [N, E] and spec [N, S] flattened."""
    out = Outputs(list(input_tokens), list(input_positions), list(seq_lens), list(slot_mapping))
    width = spec_num + 1
    stride = len(block_tables) // table_rows
    for i in range(num_seqs):
        accepted = accepted_num[i]  # an offset, as CANN's kernel adds it: only the new position is checked
        row = sampled_token_ids[i * width:(i + 1) * width]
        valid = 0
        while valid < width and row[valid] != -1:
            valid += 1
        if valid == 0:
            raise Fault(f"sampled row {i} starts with -1")
        out.input_tokens[i * width] = row[valid - 1]
        for s in range(spec_num):
            out.input_tokens[i * width + 1 + s] = spec_token[i * spec_num + s]
        for j in range(width):
            k = i * width + j
            p = input_positions[k] + accepted + 1
            if p < 0:
                raise Fault(f"new position {p} of element {k} is negative")
            if p > INT64_MAX or p + 1 > seq_len_max:
                raise Fault(f"position {p} overflows")
            out.input_positions[k] = p
            out.seq_lens[k] = p + 1
            out.slot_mapping[k] = _slot(block_tables, stride, i, p, block_size, row_bound)
    return out


# ---- the Ascend kernels (ops-nn's advance_step.h and advance_step_spec.h) ------------------------


def _signed(value: int, bits: int) -> int:
    """``value`` as a two's-complement register of ``bits`` bits holds it."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _c_div(a: int, b: int) -> tuple[int, int]:
    """C's quotient and remainder: toward zero (Python's // and % floor)."""
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return q, a - q * b


def _entry(block_tables: list[int], stride: int, block: int, entry: int, row_bound: bool) -> int:
    if row_bound and not 0 <= block < stride:
        raise Fault(f"block index {block} is outside its row of {stride}")
    if not 0 <= entry < len(block_tables):
        raise Fault(f"entry {entry} is outside a table of {len(block_tables)}")
    return block_tables[entry]


def ascend_v1(
    input_tokens: list[int],
    sampled_token_ids: list[int],
    input_positions: list[int],
    seq_lens: list[int],
    slot_mapping: list[int],
    block_tables: list[int],
    table_rows: int,
    num_seqs: int,
    num_queries: int,
    block_size: int,
    cores: int,
    row_bound: bool = False,
) -> Outputs:
    """The V1 kernel: rows i < min(Q, cores), block id read from row 0 at pos / B plus stride * i,
    padding rows Q, Q + cores, ...; int64 arithmetic that wraps."""
    assert num_seqs > num_queries
    out = Outputs(list(input_tokens), list(input_positions), list(seq_lens), list(slot_mapping))
    stride = len(block_tables) // table_rows
    for i in range(min(num_queries, cores)):
        pos = seq_lens[i]
        block, offset = _c_div(pos, block_size)
        block_id = _entry(block_tables, stride, block, block, row_bound)
        out.input_tokens[i] = sampled_token_ids[i]
        out.input_positions[i] = pos
        out.seq_lens[i] = _signed(pos + 1, 64)
        out.slot_mapping[i] = _signed(_signed(block_id + stride * i, 64) * block_size + offset, 64)
    for j in range(num_queries, num_seqs, cores):
        out.input_tokens[j] = 0
        out.input_positions[j] = 0
        out.slot_mapping[j] = -1
    return out


def _float32(value: int) -> float:
    """The nearest float32 (ties to even), as the kernel's CAST_RINT from int64."""
    import struct

    return struct.unpack("<f", struct.pack("<f", float(value)))[0] if abs(value) < 2**53 else _wide_float32(value)


def _wide_float32(value: int) -> float:
    """float32 rounding of a magnitude too large for an exact double."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    shift = magnitude.bit_length() - 24
    kept, rest = magnitude >> shift, magnitude & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if rest > half or (rest == half and kept & 1):
        kept += 1
    return sign * float(kept << shift)


def ascend_v2(
    input_tokens: list[int],
    sampled_token_ids: list[int],
    input_positions: list[int],
    seq_lens: list[int],
    slot_mapping: list[int],
    block_tables: list[int],
    table_rows: int,
    num_seqs: int,
    block_size: int,
    spec_token: list[int],
    accepted_num: list[int],
    spec_num: int,
    row_bound: bool = False,
) -> Outputs:
    """The V2 kernel: int32 positions, lengths, block ids and slots; last token at the argmin of
    the row (as float32) with -1 appended, minus one."""
    out = Outputs(list(input_tokens), list(input_positions), list(seq_lens), list(slot_mapping))
    width = spec_num + 1
    stride = len(block_tables) // table_rows
    for i in range(num_seqs):
        row = [_float32(v) for v in sampled_token_ids[i * width:(i + 1) * width]] + [-1.0]
        m = row.index(min(row))
        if m == 0:
            raise Fault(f"sampled row {i} has its minimum in column 0")
        out.input_tokens[i * width] = sampled_token_ids[i * width + m - 1]
        for s in range(spec_num):
            out.input_tokens[i * width + 1 + s] = spec_token[i * spec_num + s]
        accepted = _signed(accepted_num[i], 32)
        for j in range(width):
            k = i * width + j
            p = _signed(_signed(input_positions[k], 32) + accepted + 1, 32)
            block, offset = _c_div(p, block_size)
            block_id = _signed(_entry(block_tables, stride, block, i * stride + block, row_bound), 32)
            out.input_positions[k] = p
            out.seq_lens[k] = _signed(p + 1, 32)
            out.slot_mapping[k] = _signed(block_id * block_size + offset, 32)
    return out
