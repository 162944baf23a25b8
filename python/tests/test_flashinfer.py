"""advstep.advance_step_flashinfer against the independent oracle (oracle_flashinfer.py) over
seeded random cases: int32 and int64 metadata, padding rows, sampled_token_ids given as input_tokens,
and planted faults that must write nothing."""

from __future__ import annotations

import random

import numpy as np
import pytest

import advstep
from oracle_flashinfer import Fault, advance_flashinfer

ORDER = ("input_tokens", "sampled_token_ids", "input_positions", "seq_lens", "slot_mapping", "block_tables",
         "paged_kv_indices", "paged_kv_indptr", "paged_kv_last_page_len", "block_table_bound")
INDEX = ("sampled_token_ids", "seq_lens", "block_tables", "paged_kv_indices", "paged_kv_indptr",
         "paged_kv_last_page_len", "block_table_bound")


def make_case(seed: int):
    rng = random.Random(seed)
    n = rng.randint(1, 40)
    q = rng.randint(1, n)
    b = rng.choice([1, 2, 5, 16, 256])
    w = rng.randint(1, 6)
    bits = {name: rng.choice([32, 64]) for name in INDEX}
    lists = {
        "input_tokens": [rng.randint(0, 50000) for _ in range(n)],
        "sampled_token_ids": [rng.randint(0, 50000) for _ in range(q + rng.randint(0, 2))],
        "input_positions": [rng.randint(-3, 3) for _ in range(n)],
        "seq_lens": [rng.randint(0, w * b - 1) for _ in range(n)],
        "slot_mapping": [rng.randint(-3, 3) for _ in range(n)],
        "block_tables": [rng.randint(0, 10**5) for _ in range(n * w)],
        "paged_kv_indptr": [-7] * (n + 1),
        "paged_kv_last_page_len": [-7] * n,
        "block_table_bound": [-7] * n,
    }
    pages = sum(lists["seq_lens"][i] // b + 1 for i in range(q))
    capacity = pages + rng.randint(0, 3)
    row = rng.randrange(q)
    plant = rng.choice(["none", "none", "none", "negative", "past_row", "negative_page", "capacity", "wide_page"])
    if plant == "negative":
        lists["seq_lens"][row] = -rng.randint(1, 3)
    elif plant == "past_row":
        lists["seq_lens"][row] = w * b + rng.randint(0, 3)
    elif plant == "negative_page":
        lists["block_tables"][row * w + rng.randrange(lists["seq_lens"][row] // b + 1)] = -1
    elif plant == "capacity":
        capacity = pages - rng.randint(1, pages)
    elif plant == "wide_page":
        bits["block_tables"], bits["paged_kv_indices"] = 64, 32
        lists["block_tables"][row * w + rng.randrange(lists["seq_lens"][row] // b + 1)] = 2**31
    lists["paged_kv_indices"] = [-7] * capacity
    alias = rng.random() < 0.3
    return n, q, b, w, bits, lists, alias, plant


def to_arrays(n, w, bits, lists, alias):
    arrays = {}
    for name in ORDER:
        dtype = np.int32 if bits.get(name) == 32 else np.int64
        arrays[name] = np.array(lists[name], dtype=dtype)
    arrays["block_tables"] = arrays["block_tables"].reshape(n, w)
    if alias:
        arrays["sampled_token_ids"] = arrays["input_tokens"]
    return arrays


@pytest.mark.parametrize("first_seed", range(0, 1200, 200))
def test_matches_the_oracle(first_seed):
    for seed in range(first_seed, first_seed + 200):
        n, q, b, w, bits, lists, alias, plant = make_case(seed)
        arrays = to_arrays(n, w, bits, lists, alias)
        before = {name: array.copy() for name, array in arrays.items()}
        try:
            expected = advance_flashinfer(n, q, b, lists, w, bits, sampled_is_tokens=alias)
        except Fault as fault:
            with pytest.raises(advstep.DataFaultError) as raised:
                advstep.advance_step_flashinfer(n, q, b, *(arrays[name] for name in ORDER))
            assert raised.value.code == 507015, (seed, plant, str(fault))
            for name in ORDER:
                assert np.array_equal(arrays[name], before[name]), (seed, plant, name)
            continue
        advstep.advance_step_flashinfer(n, q, b, *(arrays[name] for name in ORDER))
        for name, values in expected.items():
            if name == "sampled_token_ids" and alias:
                continue
            assert arrays[name].reshape(-1).tolist() == values, (seed, plant, name)


def test_vllm_argument_order_and_example():
    tokens = np.zeros(3, np.int64)
    positions = np.zeros(3, np.int64)
    seq_lens = np.array([3, 4, 1], np.int32)
    slots = np.zeros(3, np.int64)
    tables = np.array([[10, 11], [20, 21], [30, 31]], np.int32)
    indices = np.full(6, -7, np.int32)
    indptr = np.full(4, -7, np.int32)
    last = np.full(3, -7, np.int32)
    bound = np.full(3, -7, np.int32)
    tokens[:2] = [11, 12]
    advstep.advance_step_flashinfer(3, 2, 4, tokens, tokens, positions, seq_lens, slots, tables, indices, indptr,
                                    last, bound)
    assert tokens.tolist() == [11, 12, 0]
    assert slots.tolist() == [43, 84, -1]
    assert last.tolist() == [4, 1, -7]
    assert bound.tolist() == [1, 2, -7]
    assert indptr.tolist() == [0, 1, 3, 3]
    assert indices.tolist() == [10, 20, 21, -7, -7, -7]


def test_argument_errors_name_the_parameter():
    arrays = [np.zeros(3, np.int64) for _ in range(6)]
    arrays[5] = np.zeros((3, 2), np.int64)
    metadata = [np.zeros(6, np.int64), np.zeros(3, np.int64), np.zeros(3, np.int64), np.zeros(3, np.int64)]
    with pytest.raises(advstep.ArgumentError, match="paged_kv_indptr dim 0 must equal num_seqs \\+ 1") as raised:
        advstep.advance_step_flashinfer(3, 2, 4, *arrays, *metadata)
    assert raised.value.code == 561002
    with pytest.raises(TypeError, match="advstep.advance_step_flashinfer: num_seqs must be an integer"):
        advstep.advance_step_flashinfer("3", 2, 4, *arrays, *metadata)
