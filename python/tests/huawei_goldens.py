"""Huawei's golden rules for the NPU kernels, re-derived from their public test sources as numpy
steps: ops-nn's kernel unit-test generator (advance_step_data/gen_data.py) and ST executors
(tests/st/aclnnAdvanceStep*/), and op-plugin's goldens (test_npu_advance_step_flashattn.py).
Each ``draw_*`` draws inputs as its source does; ``v1_golden``/``v2_golden`` compute what the
source expects. They share nothing with the library nor with oracle.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Arrays = dict[str, Any]


def v1_golden(a: Arrays, num_seqs: int, num_queries: int, block_size: int, cores: int) -> Arrays:
    """Block 0 pads every cores-th padding row; blocks b < Q advance query b with the block id at
    flat entry pos // B plus stride(0) * b."""
    out = {k: v.copy() for k, v in a.items()}
    stride0 = a["block_tables"].strides[0] // a["block_tables"].itemsize
    flat = a["block_tables"].reshape(-1)
    pad = np.arange(num_queries, num_seqs, cores)
    out["input_tokens"].reshape(-1)[pad] = 0
    out["input_positions"].reshape(-1)[pad] = 0
    out["slot_mapping"].reshape(-1)[pad] = -1
    q = np.arange(min(cores, num_queries))
    pos = a["seq_lens"].reshape(-1)[q]
    out["input_tokens"].reshape(-1)[q] = a["sampled_token_ids"].reshape(-1)[q]
    out["seq_lens"].reshape(-1)[q] = pos + 1
    out["input_positions"].reshape(-1)[q] = pos
    out["slot_mapping"].reshape(-1)[q] = (flat[pos // block_size] + stride0 * q) * block_size + pos % block_size
    return out


def v2_golden(a: Arrays, num_seqs: int, block_size: int) -> Arrays:
    """positions += repeat(acceptedNum) + 1; seqLens = positions + 1; last token at
    argmin(row ++ [-1]) - 1; slot = flatten(blockTables)[i * W + pos // B] * B + pos % B."""
    out = {k: v.copy() for k, v in a.items()}
    width = a["spec_token"].shape[1] + 1
    positions = out["input_positions"].reshape(-1)
    positions += np.repeat(a["accepted_num"], width) + 1
    out["seq_lens"].reshape(-1)[:] = positions + 1
    sampled = a["sampled_token_ids"]
    index = np.argmin(np.concatenate([sampled, np.full((num_seqs, 1), -1)], axis=1), axis=1) - 1
    tokens = out["input_tokens"].reshape(num_seqs, width)
    tokens[:, 0] = sampled[np.arange(num_seqs), index]
    tokens[:, 1:] = a["spec_token"]
    rows = np.repeat(np.arange(num_seqs), width)
    blocks = a["block_tables"].reshape(-1)[rows * a["block_tables"].shape[1] + positions // block_size]
    out["slot_mapping"].reshape(-1)[:] = blocks * block_size + positions % block_size
    return out


def _ints(rng: np.random.Generator, lo: int, hi: int, shape: Any) -> Any:
    return rng.integers(lo, hi, size=shape, dtype=np.int64)


def draw_kernel_ut(rng: np.random.Generator) -> tuple[Arrays, int, int, int]:
    """gen_data.py '(16, 1)' '(8, 1)' int64: every tensor from [0, 10), the table flat [16]."""
    a = {name: _ints(rng, 0, 10, 16) for name in
         ("input_tokens", "input_positions", "seq_lens", "slot_mapping", "block_tables")}
    a["sampled_token_ids"] = _ints(rng, 0, 10, (8, 1))
    return a, 16, 8, 8


def draw_op_plugin_v1(rng: np.random.Generator, i: int) -> tuple[Arrays, int, int, int]:
    """op-plugin's V1 test, iteration i: N 2i + 2, Q i + 1, B i + 1, values in [5, 50), the
    table [N, max(seqLens) // B + 1]."""
    n, q, b = 2 * i + 2, i + 1, i + 1
    a = {name: _ints(rng, 5, 50, n) for name in ("input_tokens", "input_positions", "seq_lens", "slot_mapping")}
    a["sampled_token_ids"] = _ints(rng, 5, 50, (q, 1))
    a["block_tables"] = _ints(rng, 5, 50, (n, int(a["seq_lens"].max()) // b + 1))
    return a, n, q, b


def draw_op_plugin_v2(rng: np.random.Generator, i: int) -> tuple[Arrays, int, int]:
    """op-plugin's V2 test, iteration i: N 2i + 2, S 3, B 8, values in [5, 50) (acceptedNum above
    S), the table [N, 10000]."""
    n = 2 * i + 2
    a = {name: _ints(rng, 5, 50, n * 4) for name in ("input_tokens", "input_positions", "seq_lens", "slot_mapping")}
    a["sampled_token_ids"] = _ints(rng, 5, 50, (n, 4))
    a["spec_token"] = _ints(rng, 5, 50, (n, 3))
    a["accepted_num"] = _ints(rng, 5, 50, n)
    a["block_tables"] = _ints(rng, 5, 50, (n, 10000))
    return a, n, 8


def draw_st_v2(rng: np.random.Generator, max_seqs: int) -> tuple[Arrays, int, int]:
    """atk_aclnnAdvanceStepV2.json's cases: N = Q, S in [1, 126], B 8, values in [0, 100], the
    table [N, 10000] (narrowed to 64 blocks past 64 sequences: positions stay below 202)."""
    n = int(rng.integers(24, max_seqs + 1))
    s = int(rng.integers(1, 127))
    e = s + 1
    a = {name: _ints(rng, 0, 101, n * e) for name in
         ("input_tokens", "input_positions", "seq_lens", "slot_mapping")}
    a["sampled_token_ids"] = _ints(rng, 0, 101, (n, e))
    a["spec_token"] = _ints(rng, 0, 101, (n, s))
    a["accepted_num"] = _ints(rng, 0, 101, n)
    a["block_tables"] = _ints(rng, 0, 101, (n, 10000 if n <= 64 else 64))
    return a, n, 8
