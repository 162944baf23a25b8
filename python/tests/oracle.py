"""An independent reference for advance_step: plain loops over Python lists and ints.

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


def _slot(block_tables: list[int], stride: int, seq: int, pos: int, block_size: int) -> int:
    """bt[seq * stride + pos // B] * B + pos % B, bounded by the whole table."""
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
        out.slot_mapping[i] = _slot(block_tables, stride, i, pos, block_size)
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
            out.slot_mapping[k] = _slot(block_tables, stride, i, p, block_size)
    return out
