"""advstep.prepare_inputs (spec prepare_step.md 3.1) on numpy arrays: the worked examples that use it, value for
value; seeded random cases against the independent oracle (prepare_step_oracle.py) exactly, faults included
(the same class at the same b, r, t, and nothing written); the argument errors of each class."""

from __future__ import annotations

import random

import numpy as np
import pytest

import advstep
from prepare_step_arrays import Array, array, full
from prepare_step_oracle import ArgumentError as OracleArgumentError
from prepare_step_oracle import Fault, prepare_inputs as oracle_prepare_inputs
from prepare_step_sweep import parse_fault, seeded_case

OUTPUTS = ("positions", "seq_lens", "slot_mapping", "input_ids", "logits_indices", "token_seq_lens",
           "dcp_local_seq_lens")


def to_numpy(a: Array) -> np.ndarray:
    assert a.offset == 0 and a.is_contiguous()
    return np.array(a.storage, dtype=a.dtype).reshape(a.shape)


def as_numpy(value):
    if isinstance(value, Array):
        return to_numpy(value)
    if isinstance(value, list) and value and isinstance(value[0], Array):
        return [to_numpy(t) for t in value]
    return value


def values(a) -> list[int]:
    if isinstance(a, Array):
        return [a[i] if a.ndim == 1 else a[i // a.shape[1], i % a.shape[1]] for i in range(a.numel)]
    return [int(x) for x in a.reshape(-1).tolist()]


def run_both(case: dict):
    """The oracle on Arrays and the library on numpy copies: ("ok", outputs) or ("fault", class, b, r, t) each."""
    arrays = {k: as_numpy(v) for k, v in case.items()}
    before = {k: arrays[k].copy() for k in OUTPUTS if arrays.get(k) is not None}
    try:
        oracle_prepare_inputs(**case)
        expected = ("ok", {k: values(case[k]) for k in before})
    except Fault as fault:
        expected = ("fault", fault.fault, fault.b, fault.r, fault.t)
    try:
        advstep.prepare_inputs(**arrays)
        got = ("ok", {k: values(arrays[k]) for k in before})
    except advstep.DataFaultError as error:
        got = ("fault",) + parse_fault(str(error))
        for k, a in before.items():
            assert np.array_equal(arrays[k], a), f"{k} written despite a fault"
    return expected, got




# -- the worked examples (spec section 6)

def example_1(dtype: str = "int64") -> dict:
    return dict(
        idx_mapping=array([4, 0, 2], dtype), query_start_loc=array([0, 1, 2, 3, 3, 3, 3], "int32"),
        cu_num_logits=array([0, 1, 2, 3], "int32"), num_computed_tokens=array([9, 0, 3, 0, 6, 0], "int32"),
        last_sampled_tokens=array([101, 0, 102, 0, 104, 0]),
        block_tables=array([[10, 11, 12], [0, 0, 0], [5, 6, 0], [0, 0, 0], [20, 21, 0], [0, 0, 0]], "int32"),
        block_size=4, positions=full(8, 7), seq_lens=full(6, 5, "int32"), input_ids=full(8, 7, "int32"),
        slot_mapping=full(8, 7, dtype), logits_indices=full(3, 7))


def test_example_1_cuda_graph_padding() -> None:
    case = {k: as_numpy(v) for k, v in example_1().items()}
    advstep.prepare_inputs(**case)
    assert case["positions"].tolist() == [6, 9, 3, 7, 7, 7, 7, 7]
    assert case["seq_lens"].tolist() == [7, 10, 4, 0, 0, 0]
    assert case["input_ids"].tolist() == [104, 101, 102, 7, 7, 7, 7, 7]
    assert case["slot_mapping"].tolist() == [86, 49, 23, -1, -1, -1, -1, -1]
    assert case["logits_indices"].tolist() == [0, 1, 2]


def test_example_1_with_advance_step_v1_tails() -> None:
    case = {k: as_numpy(v) for k, v in example_1("int32").items()}
    advstep.prepare_inputs(**case, seq_lens_tail="keep", token_tail="zero")
    assert case["positions"].tolist() == [6, 9, 3, 0, 0, 0, 0, 0]
    assert case["input_ids"].tolist() == [104, 101, 102, 0, 0, 0, 0, 0]
    assert case["seq_lens"].tolist() == [7, 10, 4, 5, 5, 5]


def test_example_2_ragged_batch_with_drafts() -> None:
    p = 55
    case = dict(
        idx_mapping=np.array([1, 3, 0]), query_start_loc=np.array([0, 5, 8, 10], np.int32),
        cu_num_logits=np.array([0, 1, 4, 6], np.int32), num_computed_tokens=np.array([12, 4, 0, 7], np.int32),
        prefill_len=np.array([2, 10, 0, 5], np.int32), last_sampled_tokens=np.array([[200], [0], [0], [300]]),
        draft_tokens=np.array([[201, 0], [0, 0], [0, 0], [301, 302]]),
        block_tables=np.array([[1, 5, 6, 8], [2, 3, 4, 0], [0, 0, 0, 0], [7, 9, 11, 0]], np.int32), block_size=4,
        positions=np.full(12, -9), seq_lens=np.full(4, -9, np.int32), slot_mapping=np.full(12, -9),
        input_ids=np.array([p] * 5 + [-9] * 7, np.int32), logits_indices=np.full(6, -9))
    advstep.prepare_inputs(**case)
    assert case["positions"].tolist() == [4, 5, 6, 7, 8, 7, 8, 9, 12, 13, -9, -9]
    assert case["seq_lens"].tolist() == [9, 10, 14, 0]
    assert case["input_ids"].tolist() == [p] * 5 + [300, 301, 302, 200, 201, -9, -9]
    assert case["slot_mapping"].tolist() == [12, 13, 14, 15, 16, 39, 44, 45, 32, 33, -1, -1]
    assert case["logits_indices"].tolist() == [4, 5, 6, 7, 8, 9]


@pytest.mark.parametrize("interleave, slots, local", [(1, [-1, 20, -1, 21, -1, 22], 3),
                                                      (2, [-1, -1, 20, 21, -1, -1], 2)])
def test_example_4_dcp(interleave: int, slots: list[int], local: int) -> None:
    case = dict(idx_mapping=np.array([0]), query_start_loc=np.array([0, 6]), num_computed_tokens=np.array([0]),
                block_tables=np.array([[10, 11]]), block_size=2, positions=np.zeros(6, np.int64),
                seq_lens=np.zeros(1, np.int64), slot_mapping=np.zeros(6, np.int64),
                dcp_local_seq_lens=np.zeros(1, np.int32), cp_size=2, cp_rank=1, cp_interleave=interleave)
    advstep.prepare_inputs(**case)
    assert case["slot_mapping"].tolist() == slots
    assert case["dcp_local_seq_lens"].tolist() == [local]


# -- seeded random cases against the oracle

def dtype(rng: random.Random) -> str:
    return rng.choice(["int32", "int64"])


def random_case(rng: random.Random) -> dict:
    rows = rng.randint(0, 6)
    spec = rng.randint(0, 3)
    nb = rng.choice([0, 1, 1])
    state_rows = rows + rng.randint(0, 3) if rows else rng.randint(0, 3)
    groups = rng.choice([1, 1, 2])
    cp = rng.choice([1, 1, 1, 2, 4])
    sizes = [rng.choice([1, 2, 4, 8]) for _ in range(groups)]
    if cp > 1:
        sizes = [rng.choice([2, 4, 8]) for _ in range(groups)]
    interleave = rng.choice([i for i in (1, 2, 4, 8) if all(s % i == 0 and i <= s for s in sizes)]) if cp > 1 else 1
    width = rng.randint(0 if rng.random() < 0.05 else 1, 5)
    lengths = [rng.randint(nb if rng.random() < 0.9 else 0, 1 + spec + 2) for _ in range(rows)]
    qsl = [0]
    for length in lengths:
        qsl.append(qsl[-1] + length)
    total = qsl[-1]
    tokens = total + rng.randint(0, 4)
    qsl_tail = [qsl[-1] + rng.randint(0, 3) for _ in range(rng.randint(0, 3))]  # never read
    reach = min(sizes) * cp * max(width, 1)
    nc = [rng.randrange(0, reach) for _ in range(state_rows)]
    idx = [rng.randrange(state_rows) for _ in range(rows)] if state_rows else []
    table_rows = [state_rows + rng.randint(0, 2) for _ in range(groups)]
    tables = [array([rng.randrange(0, 60) for _ in range(n * width)], dtype(rng), shape=[n, width])
              for n in table_rows]
    case = dict(idx_mapping=array(idx, dtype(rng), shape=[rows]),
                query_start_loc=array(qsl + qsl_tail, dtype(rng)),
                num_computed_tokens=array(nc, dtype(rng), shape=[state_rows]),
                block_tables=tables if groups > 1 or rng.random() < 0.3 else tables[0],
                block_size=sizes if groups > 1 or rng.random() < 0.3 else sizes[0],
                positions=full(tokens, -7, dtype(rng)), seq_lens=full(rows + rng.randint(0, 3), -7, dtype(rng)),
                slot_mapping=full((groups, tokens) if groups > 1 or rng.random() < 0.3 else tokens, -7, dtype(rng)),
                num_bonus=nb, cp_size=cp, cp_rank=rng.randrange(cp), cp_interleave=interleave,
                bound=rng.choice(["row", "table"]), seq_lens_tail=rng.choice(["zero", "keep"]),
                token_tail=rng.choice(["keep", "zero"]))
    if rng.random() < 0.8:
        case["input_ids"] = full(tokens, -7, dtype(rng))
        case["last_sampled_tokens"] = array([rng.randrange(0, 1000) for _ in range(state_rows)], dtype(rng),
                                            shape=[state_rows])
        if spec and rng.random() < 0.8:
            case["draft_tokens"] = array([rng.randrange(1000, 2000) for _ in range(state_rows * spec)], dtype(rng),
                                         shape=[state_rows, spec])
    if rng.random() < 0.5:
        case["prefill_len"] = array([rng.randrange(0, reach + 2) for _ in range(state_rows)], dtype(rng),
                                    shape=[state_rows])
    if rng.random() < 0.7:
        cu = [0]
        for length in lengths:
            cu.append(cu[-1] + rng.randint(nb, max(nb, min(length, nb + spec))))
        case["cu_num_logits"] = array(cu, dtype(rng))
        if rng.random() < 0.8:
            case["logits_indices"] = full(cu[-1] + rng.randint(0, 2), -7, dtype(rng))
    if rng.random() < 0.3:
        case["token_seq_lens"] = full(tokens, -7, dtype(rng))
    if rng.random() < 0.3:
        case["dcp_local_seq_lens"] = full(case["seq_lens"].shape[0], -7, dtype(rng))
    return case


def plant_fault(rng: random.Random, case: dict) -> None:
    """Breaks one value, so that the oracle and the library meet every fault class."""
    choice = rng.randrange(7)
    flat = lambda a: a.storage  # noqa: E731  (contiguous arrays: storage is the values in order)
    if choice == 0 and case["idx_mapping"].numel:
        flat(case["idx_mapping"])[rng.randrange(case["idx_mapping"].numel)] = rng.choice([-1, 99])
    elif choice == 1:
        q = flat(case["query_start_loc"])
        q[rng.randrange(len(q))] += rng.choice([-2, 1, 5])
    elif choice == 2 and case["idx_mapping"].numel:
        row = case["idx_mapping"][rng.randrange(case["idx_mapping"].numel)]  # a row the batch reads
        flat(case["num_computed_tokens"])[row] = rng.choice([-1, -1, 40, 2 ** 31 - 1])
    elif choice == 3 and case.get("cu_num_logits") is not None:
        c = flat(case["cu_num_logits"])
        c[rng.randrange(len(c))] += rng.choice([-1, 1, 3])
    elif choice == 4:
        tables = case["block_tables"] if isinstance(case["block_tables"], list) else [case["block_tables"]]
        t = tables[rng.randrange(len(tables))]
        if t.numel:
            flat(t)[rng.randrange(t.numel)] = rng.choice([-3, 2 ** 31 - 1 if t.dtype == "int32" else 2 ** 40])
    elif choice == 5 and case.get("last_sampled_tokens") is not None and case["last_sampled_tokens"].numel:
        if case["last_sampled_tokens"].dtype == "int64":
            flat(case["last_sampled_tokens"])[rng.randrange(case["last_sampled_tokens"].numel)] = 2 ** 40
    elif choice == 6 and case.get("prefill_len") is not None and case["prefill_len"].numel:
        flat(case["prefill_len"])[rng.randrange(case["prefill_len"].numel)] = rng.choice([-5, 0, 1000])


@pytest.mark.parametrize("seed", range(300))
def test_random_cases_match_the_oracle(seed: int) -> None:
    case = seeded_case(seed, random_case, plant_fault, 3)
    try:
        expected, got = run_both(case)
    except OracleArgumentError:
        pytest.skip("the random case broke an argument rule")
    assert got == expected


def test_random_cases_cover_faults_and_success() -> None:
    """The sweep above is not vacuous: it meets successes and every applicable fault class."""
    seen = set()
    for seed in range(300):
        case = seeded_case(seed, random_case, plant_fault, 3)
        try:
            expected, _ = run_both(case)
        except OracleArgumentError:
            continue
        seen.add(expected[0] if expected[0] == "ok" else expected[1])
    assert {"ok", "F1", "F2", "F3", "F4", "F5", "F6"} <= seen, seen


# -- argument errors

def base() -> dict:
    return {k: as_numpy(v) for k, v in example_1().items()}


@pytest.mark.parametrize("change, code", [
    (dict(positions=None), advstep._errors.NULL_POINTER),
    (dict(cu_num_logits=None), advstep._errors.NULL_POINTER),
    (dict(last_sampled_tokens=None), advstep._errors.NULL_POINTER),
    (dict(block_tables=[]), advstep._errors.NULL_POINTER),
    (dict(positions=np.zeros(8, np.float32)), advstep._errors.INVALID_ARGUMENT),
    (dict(seq_lens=np.zeros(2, np.int32)), advstep._errors.OUT_OF_RANGE),
    (dict(slot_mapping=np.zeros((2, 8), np.int64)), advstep._errors.OUT_OF_RANGE),
    (dict(input_ids=np.zeros(7, np.int64)), advstep._errors.OUT_OF_RANGE),
    (dict(block_size=0), advstep._errors.OUT_OF_RANGE),
    (dict(block_size=True), advstep._errors.OUT_OF_RANGE),
    (dict(block_size=[4, 4]), advstep._errors.OUT_OF_RANGE),
    (dict(num_bonus=2), advstep._errors.OUT_OF_RANGE),
    (dict(cp_rank=1), advstep._errors.OUT_OF_RANGE),
    (dict(cp_size=2, cp_interleave=3), advstep._errors.OUT_OF_RANGE),
    (dict(bound="rows"), advstep._errors.OUT_OF_RANGE),
    (dict(seq_lens_tail="none"), advstep._errors.OUT_OF_RANGE),
    (dict(token_tail=0), advstep._errors.OUT_OF_RANGE),
])
def test_argument_errors(change: dict, code: int) -> None:
    case = base()
    case.update(change)
    outputs = {k: case[k].copy() for k in OUTPUTS if isinstance(case.get(k), np.ndarray)}
    with pytest.raises(advstep.ArgumentError) as raised:
        advstep.prepare_inputs(**case)
    assert raised.value.code == code, str(raised.value)
    for k, a in outputs.items():
        assert np.array_equal(case[k], a)


def test_memory_rules() -> None:
    case = base()
    case["slot_mapping"] = case["positions"]  # two outputs on one buffer
    with pytest.raises(advstep.ArgumentError, match="positions overlaps slot_mapping"):
        advstep.prepare_inputs(**case)
    case = base()
    case["logits_indices"] = case["num_computed_tokens"].astype(np.int64)[:3]
    case["logits_indices"] = case["idx_mapping"]  # an output on an input
    with pytest.raises(advstep.ArgumentError, match="overlaps"):
        advstep.prepare_inputs(**case)
    case = base()
    case["positions"] = np.zeros(16, np.int64)[::2]  # a strided output
    with pytest.raises(advstep.ArgumentError, match="contiguous"):
        advstep.prepare_inputs(**case)
    case = base()
    case["positions"].flags.writeable = False
    with pytest.raises(advstep.ArgumentError):
        advstep.prepare_inputs(**case)


def test_strided_input_views_are_read() -> None:
    case = base()
    wide = np.zeros((6, 3), np.int32)
    wide[:, 1] = case["num_computed_tokens"]
    case["num_computed_tokens"] = wide[:, 1]  # a strided view, as vLLM's padded state buffers are
    case["last_sampled_tokens"] = case["last_sampled_tokens"].reshape(6, 1)
    advstep.prepare_inputs(**case)
    assert case["slot_mapping"].tolist() == [86, 49, 23, -1, -1, -1, -1, -1]
    assert case["input_ids"].tolist()[:3] == [104, 101, 102]


def test_sequence_of_tables_and_buffers() -> None:
    """A sequence of one table takes [1, M]; arrays may be any buffer-protocol host array."""
    case = base()
    case["block_tables"] = (case["block_tables"],)
    case["block_size"] = [4]
    case["slot_mapping"] = np.full((1, 8), 7)
    case["positions"] = memoryview(bytearray(64)).cast("q")
    advstep.prepare_inputs(**case)
    assert case["slot_mapping"].tolist() == [[86, 49, 23, -1, -1, -1, -1, -1]]
    assert list(case["positions"])[:3] == [6, 9, 3]


def example_1_int64() -> dict:
    case = example_1()
    for name in ("query_start_loc", "cu_num_logits", "num_computed_tokens", "block_tables"):
        a = case[name]
        case[name] = Array(list(a.storage), a.shape, "int64")
    return case


EXTREMES = (-(2 ** 63), 2 ** 63 - 1, -1, 2 ** 31, 2 ** 62)


@pytest.mark.parametrize("name", ["idx_mapping", "query_start_loc", "cu_num_logits", "num_computed_tokens",
                                  "last_sampled_tokens", "block_tables"])
def test_extreme_values_match_the_oracle(name: str) -> None:
    """Each element of each input set to the int64 limits and near them: the oracle's verdict, no wrap."""
    for index in range(example_1_int64()[name].numel):
        for value in EXTREMES:
            case = example_1_int64()
            case[name].storage[index] = value
            expected, got = run_both(case)
            assert got == expected, (name, index, value)
