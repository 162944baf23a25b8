"""advance_step against the oracle: seeded random V1 and V2 cases, on every array library here."""

from __future__ import annotations

import random

import pytest

import advstep
from cases import (ArrayLib, Case, build_arrays, call_kwargs, contents, outputs_dict, random_v1,
                   random_v2, snapshot)
from oracle import Fault

SEEDS = range(40)


def run_and_compare(lib: ArrayLib, case: Case) -> None:
    """Runs ``case``; expects the oracle's values, or a data fault with every array untouched."""
    arrays = build_arrays(lib, case)
    before = snapshot(case)
    try:
        expected = outputs_dict(case.expected())
    except Fault as fault:
        with pytest.raises(advstep.DataFaultError, match="data fault") as raised:
            advstep.advance_step(**call_kwargs(case, arrays))
        assert isinstance(raised.value, RuntimeError)
        assert raised.value.code == 507015
        assert contents(lib, arrays) == before, f"modified on a data fault ({fault})"
        return
    assert advstep.advance_step(**call_kwargs(case, arrays)) is None
    after = contents(lib, arrays)
    for name, values in after.items():
        want = expected.get(name, before[name])  # read-only inputs stay as they were
        assert values == want, f"{lib.name}: {name} differs (case {case.num_seqs=}, {case.num_queries=})"


@pytest.mark.parametrize("seed", SEEDS)
def test_v1_random(array_lib: ArrayLib, seed: int) -> None:
    run_and_compare(array_lib, random_v1(random.Random(seed)))


@pytest.mark.parametrize("seed", SEEDS)
def test_v2_random(array_lib: ArrayLib, seed: int) -> None:
    run_and_compare(array_lib, random_v2(random.Random(1000 + seed)))


@pytest.mark.parametrize("seed", range(30))
def test_v1_random_with_faults(array_lib: ArrayLib, seed: int) -> None:
    run_and_compare(array_lib, random_v1(random.Random(2000 + seed), fault_rate=0.5))


@pytest.mark.parametrize("seed", range(30))
def test_v2_random_with_faults(array_lib: ArrayLib, seed: int) -> None:
    run_and_compare(array_lib, random_v2(random.Random(3000 + seed), fault_rate=0.5))


def test_random_cases_cover_both_outcomes() -> None:
    """The fault-injecting generators really produce both faulting and clean cases."""
    for make, base in ((random_v1, 2000), (random_v2, 3000)):
        outcomes = {make(random.Random(base + s), fault_rate=0.5).faults() for s in range(30)}
        assert outcomes == {True, False}


def test_cann_example_v1(numpy_lib: ArrayLib) -> None:
    """The official CANN call example's shapes: [8, 1] tensors, an [8, 1] block table, B = 8."""
    np = pytest.importorskip("numpy")
    n, q, b = 8, 4, 8
    tokens = np.zeros((n, 1), np.int64)
    sampled = np.arange(1, q + 1, dtype=np.int64).reshape(q, 1)
    positions = np.zeros((n, 1), np.int64)
    seq_lens = np.arange(n, dtype=np.int64).reshape(n, 1) + 3
    slots = np.zeros((n, 1), np.int64)
    tables = np.arange(n, dtype=np.int64).reshape(n, 1)
    advstep.advance_step(tokens, sampled, positions, seq_lens, slots, tables, n, q, b)
    assert tokens.ravel().tolist() == [1, 2, 3, 4, 0, 0, 0, 0]
    assert positions.ravel().tolist() == [3, 4, 5, 6, 0, 0, 0, 0]
    assert seq_lens.ravel().tolist() == [4, 5, 6, 7, 7, 8, 9, 10]
    assert slots.ravel().tolist() == [3, 12, 21, 30, -1, -1, -1, -1]


def test_v2_worked_example(numpy_lib: ArrayLib) -> None:
    """Two sequences, S = 2: last token before the first -1, drafts after it, positions moved."""
    np = pytest.importorskip("numpy")
    n, s, b = 2, 2, 4
    e = s + 1
    tokens = np.zeros(n * e, np.int64)
    sampled = np.array([[11, 12, -1], [21, 22, 23]], np.int64)
    positions = np.array([5, 6, 7, 0, 1, 2], np.int64)
    seq_lens = np.zeros(n * e, np.int32)
    slots = np.zeros(n * e, np.int64)
    tables = np.array([[10, 11, 12], [20, 21, 22]], np.int64)
    spec = np.array([[13, 14], [24, 25]], np.int64)
    accepted = np.array([1, 2], np.int64)
    advstep.advance_step(tokens, sampled, positions, seq_lens, slots, tables, n, n, b,
                         spec_token=spec, accepted_num=accepted)
    assert tokens.tolist() == [12, 13, 14, 23, 24, 25]
    assert positions.tolist() == [7, 8, 9, 3, 4, 5]
    assert seq_lens.tolist() == [8, 9, 10, 4, 5, 6]
    assert slots.tolist() == [11 * 4 + 3, 12 * 4 + 0, 12 * 4 + 1, 20 * 4 + 3, 21 * 4 + 0, 21 * 4 + 1]


def test_empty_optionals_mean_v1(numpy_lib: ArrayLib) -> None:
    """spec_token [N, 0] with accepted_num [0]: both empty, so the plain step (as CANN's V2 does)."""
    np = pytest.importorskip("numpy")
    case = random_v1(random.Random(7))
    arrays = build_arrays(numpy_lib, case)
    kwargs = call_kwargs(case, arrays)
    kwargs.update(spec_token=np.zeros((case.num_seqs, 0), np.int64), accepted_num=np.zeros(0, np.int64))
    advstep.advance_step(**kwargs)
    expected = outputs_dict(case.expected())
    got = contents(numpy_lib, arrays)
    assert {k: got[k] for k in expected} == expected


def test_counts_accept_integer_scalars(numpy_lib: ArrayLib) -> None:
    """num_seqs etc. may be numpy integers, as engines often compute them with numpy."""
    np = pytest.importorskip("numpy")
    case = random_v1(random.Random(11))
    arrays = build_arrays(numpy_lib, case)
    kwargs = call_kwargs(case, arrays)
    kwargs.update(num_seqs=np.int64(case.num_seqs), num_queries=np.int32(case.num_queries),
                  block_size=np.uint16(case.block_size))
    advstep.advance_step(**kwargs)
    expected = outputs_dict(case.expected())
    got = contents(numpy_lib, arrays)
    assert {k: got[k] for k in expected} == expected


def test_positional_call_in_torch_npu_order(numpy_lib: ArrayLib) -> None:
    case = random_v2(random.Random(5))
    a = build_arrays(numpy_lib, case)
    advstep.advance_step(a["input_tokens"], a["sampled_token_ids"], a["input_positions"], a["seq_lens"],
                         a["slot_mapping"], a["block_tables"], case.num_seqs, case.num_queries,
                         case.block_size, spec_token=a["spec_token"], accepted_num=a["accepted_num"])
    expected = outputs_dict(case.expected())
    got = contents(numpy_lib, a)
    assert {k: got[k] for k in expected} == expected
