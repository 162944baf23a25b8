"""advstep.advance_drafts (spec prepare_step.md 3.2) on numpy arrays: Ex 3 and Ex 5's V2 value for value; seeded
random cases against the independent oracle (prepare_step_oracle.py) exactly, faults included (the same class at
the same b, r, t, and nothing written), with int32/int64 mixes, strided input views, in-place pairs, DCP, caps and
the query_start_loc rewrite; the argument errors of each class."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

import advstep
from prepare_step_arrays import Array, array, full
from prepare_step_oracle import ArgumentError as OracleArgumentError
from prepare_step_oracle import Fault
from prepare_step_oracle import advance_drafts as oracle_advance_drafts
from prepare_step_sweep import parse_fault, seeded_case

OUTPUTS = ("query_start_loc", "positions", "input_ids", "slot_mapping", "seq_lens", "token_seq_lens")


class Numpy:
    """numpy views of oracle Arrays over shared buffers: Arrays of one storage become views of one buffer."""

    def __init__(self) -> None:
        self.buffers: dict[int, np.ndarray] = {}

    def of(self, a: Array) -> np.ndarray:
        key = id(a.storage)
        if key not in self.buffers:
            self.buffers[key] = np.array(a.storage, dtype=a.dtype)
        base = self.buffers[key]
        assert base.dtype == np.dtype(a.dtype)
        return np.lib.stride_tricks.as_strided(base[a.offset:], shape=a.shape,
                                               strides=[s * base.itemsize for s in a.strides])

    def convert(self, value):
        if isinstance(value, Array):
            return self.of(value)
        if isinstance(value, list) and value and isinstance(value[0], Array):
            return [self.of(t) for t in value]
        return value


def values(a) -> list[int]:
    if isinstance(a, Array):
        return a.flat()
    return [int(x) for x in a.reshape(-1).tolist()]




def run_both(case: dict):
    """The oracle on Arrays and the library on numpy views of copies: ("ok", outputs) or ("fault", F, b, r, t)."""
    numpy = Numpy()
    arrays = {k: numpy.convert(v) for k, v in case.items()}
    before = {k: values(arrays[k]) for k in OUTPUTS if arrays.get(k) is not None}
    try:
        oracle_advance_drafts(**case)
        expected = ("ok", {k: values(case[k]) for k in before})
    except Fault as fault:
        expected = ("fault", fault.fault, fault.b, fault.r, fault.t)
    try:
        advstep.advance_drafts(**arrays)
        got = ("ok", {k: values(arrays[k]) for k in before})
    except advstep.DataFaultError as error:
        got = ("fault",) + parse_fault(str(error), operation="advance_drafts")
        for k, old in before.items():
            assert values(arrays[k]) == old, f"{k} written despite a fault"
    return expected, got


# -- the worked examples (spec section 6)

def example_3(on_cap: str = "clamp") -> dict:
    return dict(idx_mapping=np.array([2, 0]), query_start_loc=np.full(5, 9, np.int32),
                positions=np.full(6, 7), input_ids=np.full(6, 7, np.int32), slot_mapping=np.full(6, 7),
                block_tables=np.array([[6, 7, 8], [0, 0, 0], [3, 4, 5]], np.int32), block_size=4, delta=1,
                tokens=np.array([500, 600]), pos_in=np.array([11, 7]), seq_lens=np.full(4, 7, np.int32),
                seq_base=np.array([12, 9], np.int32), seq_sub=np.array([0, 1], np.int32), pos_cap=11, seq_cap=12,
                on_cap=on_cap, rewrite_query_start_loc=True, seq_lens_tail="zero")


def test_example_3_eagle_reaching_max_model_len() -> None:
    e = example_3()
    advstep.advance_drafts(**e)
    assert e["query_start_loc"].tolist() == [0, 1, 2, 2, 2]
    assert e["positions"].tolist() == [11, 8, 7, 7, 7, 7]
    assert e["seq_lens"].tolist() == [12, 9, 0, 0]
    assert e["input_ids"].tolist() == [500, 600, 7, 7, 7, 7]
    assert e["slot_mapping"].tolist() == [23, 32, -1, -1, -1, -1]
    # Step 2: positions and seq_lens in place, that step's tokens, no rewrite, the tail kept.
    step2 = dict(e, tokens=np.array([501, 601]), pos_in=None, seq_base=None, seq_sub=None,
                 rewrite_query_start_loc=False, seq_lens_tail="keep")
    advstep.advance_drafts(**step2)
    assert e["positions"].tolist() == [11, 9, 7, 7, 7, 7]
    assert e["seq_lens"].tolist() == [12, 10, 0, 0]
    assert e["input_ids"].tolist() == [501, 601, 7, 7, 7, 7]
    assert e["slot_mapping"].tolist() == [23, 33, -1, -1, -1, -1]


def test_example_3_with_padding() -> None:
    e = example_3("pad")
    advstep.advance_drafts(**e)
    assert e["positions"].tolist() == [0, 8, 7, 7, 7, 7]
    assert e["seq_lens"].tolist() == [1, 9, 0, 0]
    assert e["slot_mapping"].tolist() == [-1, 32, -1, -1, -1, -1]


def test_example_5_advance_step_v2() -> None:
    positions = np.array([5, 6, 2, 3])
    out = dict(input_ids=np.zeros(4, np.int64), token_seq_lens=np.zeros(4, np.int32), slot_mapping=np.zeros(4))
    out["slot_mapping"] = np.zeros(4, np.int32)
    advstep.advance_drafts(idx_mapping=np.array([0, 1]), query_start_loc=np.array([0, 2, 4]), positions=positions,
                           block_tables=np.array([[1, 2], [3, 4]]), block_size=4, delta=np.array([1, 2]),
                           sampled_token_ids=np.array([[7, -1], [8, 9]]), draft_tokens=np.array([[70], [90]]),
                           bound="table", **out)
    assert out["input_ids"].tolist() == [7, 70, 9, 90]
    assert positions.tolist() == [6, 7, 4, 5]
    assert out["token_seq_lens"].tolist() == [7, 8, 5, 6]
    assert out["slot_mapping"].tolist() == [10, 11, 16, 17]


# -- seeded random cases against the oracle

def dtype(rng: random.Random) -> str:
    return rng.choice(["int32", "int64"])


def per_row(rng: random.Random, values_: list[int], kind: str, padded: bool = True) -> Array:
    """A per-row input: contiguous, longer than R (padded, 10.3), or a column of a 2-D array (a strided view)."""
    choice = rng.choice([0, 1, 2] if padded else [0, 2])
    if choice == 0:
        return array(values_, kind, shape=[len(values_)])
    if choice == 1:
        return array(values_ + [rng.randrange(0, 50) for _ in range(rng.randint(1, 3))], kind)
    wide = array([[v, -99] for v in values_], kind, shape=[len(values_), 2])
    return wide.column(0)


def random_case(rng: random.Random) -> dict:
    rows = rng.randint(0, 6)
    spec = rng.randint(0, 3)
    groups = rng.choice([1, 1, 2])
    cp = rng.choice([1, 1, 1, 2, 4])
    sizes = [rng.choice([1, 2, 4, 8] if cp == 1 else [2, 4, 8]) for _ in range(groups)]
    interleave = rng.choice([i for i in (1, 2, 4, 8) if all(s % i == 0 and i <= s for s in sizes)]) if cp > 1 else 1
    width = rng.randint(1, 5)
    state_rows = rows + rng.randint(0, 3)
    rewrite = rng.random() < 0.3
    pad = rng.random() < 0.2
    lengths = [1] * rows if rewrite or pad else [rng.randint(1 if rng.random() < 0.95 else 0, 1 + spec + (
        1 if rng.random() < 0.1 else 0)) for _ in range(rows)]
    qsl = [0]
    for length in lengths:
        qsl.append(qsl[-1] + length)
    tokens = qsl[-1] + rng.randint(0, 3)
    reach = min(sizes) * cp * width
    idx = [rng.randrange(state_rows) for _ in range(rows)] if state_rows else []
    tables = [array([rng.randrange(0, 60) for _ in range(n * width)], dtype(rng), shape=[n, width])
              for n in [state_rows + rng.randint(0, 2) for _ in range(groups)]]
    positions = full(tokens, -7, dtype(rng))
    for t in range(tokens):
        positions.storage[t] = rng.randrange(0, reach)
    seq_rows = rows + rng.randint(0, 3)
    case = dict(idx_mapping=per_row(rng, idx, dtype(rng), padded=False),  # its length is R
                query_start_loc=array(qsl + [qsl[-1]] * rng.randint(0, 2), dtype(rng)) if not rewrite else
                full(rows + 1 + rng.randint(0, 2), 5, dtype(rng)),
                positions=positions, input_ids=full(tokens, -7, dtype(rng)),
                slot_mapping=full((groups, tokens) if groups > 1 or rng.random() < 0.3 else tokens, -7, dtype(rng)),
                block_tables=tables if groups > 1 or rng.random() < 0.3 else tables[0],
                block_size=sizes if groups > 1 or rng.random() < 0.3 else sizes[0],
                delta=rng.choice([0, 1, 1, 2]) if rng.random() < 0.6 else
                per_row(rng, [rng.randint(-1, 3) for _ in range(rows)], dtype(rng)),
                cp_size=cp, cp_rank=rng.randrange(cp), cp_interleave=interleave,
                bound=rng.choice(["row", "table"]), seq_lens_tail=rng.choice(["zero", "keep"]),
                rewrite_query_start_loc=rewrite, on_cap="pad" if pad else "clamp")
    if rng.random() < 0.5:
        case["tokens"] = per_row(rng, [rng.randrange(0, 1000) for _ in range(rows)], dtype(rng))
    else:
        k = rng.randint(1, 3)
        sampled = [[rng.randrange(0, 1000) for _ in range(k)] for _ in range(rows)]
        for row in sampled:  # V2 rows end in -1 padding; some start with it (F7)
            cut = rng.randrange(0, k + 1) if rng.random() < 0.5 else k
            row[cut:] = [-1] * (k - cut)
            if cut == 0 and rng.random() < 0.7:
                row[0] = 3
        case["sampled_token_ids"] = array(sampled, dtype(rng), shape=[rows, k])
    if spec and rng.random() < 0.8:
        case["draft_tokens"] = array([rng.randrange(1000, 2000) for _ in range(state_rows * spec)], dtype(rng),
                                     shape=[state_rows, spec])
    if rewrite or rng.random() < 0.3:  # a separate pos_in (one per row when rewritten)
        need = rows if rewrite else tokens
        case["pos_in"] = per_row(rng, [rng.randrange(0, reach) for _ in range(need)], dtype(rng))
    if rng.random() < 0.7:
        case["seq_lens"] = full(seq_rows, -7, dtype(rng))
        bases = [rng.randrange(0, reach + 2) for _ in range(rows)]
        if rng.random() < 0.5:
            case["seq_base"] = per_row(rng, bases, dtype(rng))
        else:  # in place: seq_base is seq_lens as read at entry
            for b, v in enumerate(bases):
                case["seq_lens"].storage[b] = v
        if rng.random() < 0.5:
            case["seq_sub"] = per_row(rng, [rng.randint(0, 2) for _ in range(rows)], dtype(rng))
    if rng.random() < 0.3:
        case["token_seq_lens"] = full(tokens, -7, dtype(rng))
    if pad or rng.random() < 0.4:
        case["pos_cap"] = rng.randrange(0, reach + 1)
    if rng.random() < 0.3:
        case["seq_cap"] = rng.randrange(1, reach + 3)
    return case


def plant_fault(rng: random.Random, case: dict) -> None:
    """Breaks one value, so that the oracle and the library meet every fault class."""
    choice = rng.randrange(6)
    storage = lambda a: a.storage  # noqa: E731
    if choice == 0 and case["idx_mapping"].numel:
        case["idx_mapping"].store((rng.randrange(case["idx_mapping"].numel),), rng.choice([-1, 99]))
    elif choice == 1 and not case["rewrite_query_start_loc"]:
        q = storage(case["query_start_loc"])
        q[rng.randrange(len(q))] += rng.choice([-2, 1, 5])
    elif choice == 2:
        p = case.get("pos_in", case["positions"])
        if p.numel:
            p.store((rng.randrange(p.numel),), rng.choice([-5, 2 ** 31 - 2 if p.dtype == "int32" else 2 ** 40]))
    elif choice == 3:
        tables = case["block_tables"] if isinstance(case["block_tables"], list) else [case["block_tables"]]
        t = tables[rng.randrange(len(tables))]
        if t.numel:
            storage(t)[rng.randrange(t.numel)] = rng.choice([-3, 2 ** 31 - 1 if t.dtype == "int32" else 2 ** 40])
    elif choice == 4 and case.get("seq_sub") is not None and case["seq_sub"].numel:
        case["seq_sub"].store((rng.randrange(case["seq_sub"].numel),), 50)
    elif choice == 5 and case.get("tokens") is not None and case["tokens"].numel and case["tokens"].dtype == "int64":
        case["tokens"].store((rng.randrange(case["tokens"].numel),), 2 ** 40)


SEEDS = range(400)


def outcome(seed: int):
    return run_both(seeded_case(seed, random_case, plant_fault, 2))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_cases_match_the_oracle(seed: int) -> None:
    try:
        expected, got = outcome(seed)
    except OracleArgumentError:
        pytest.skip("the random case broke an argument rule")
    assert got == expected


def test_random_cases_cover_faults_and_success() -> None:
    """The sweep above is not vacuous: it meets successes and every fault class advance_drafts has."""
    seen = []
    for seed in SEEDS:
        try:
            expected, _ = outcome(seed)
        except OracleArgumentError:
            continue
        seen.append(expected[0] if expected[0] == "ok" else expected[1])
    assert {"ok", "F1", "F2", "F3", "F4", "F5", "F6", "F7"} <= set(seen), set(seen)
    assert seen.count("ok") > len(SEEDS) // 4, seen.count("ok")


# -- argument errors

@pytest.mark.parametrize("change, code, text", [
    (dict(tokens=None), 161001, "exactly one of tokens and sampled_token_ids"),
    (dict(sampled_token_ids=np.array([[1], [2]])), 161001, "got both"),
    (dict(on_cap="pad", pos_cap=None), 161001, "pos_cap is required"),
    (dict(input_ids=None), 161001, "input_ids"),
    (dict(seq_sub=np.array([0.0, 1.0])), 161002, "seq_sub has an unsupported dtype"),
    (dict(pos_in=np.array([1])), 561002, "pos_in must be 1-D with at least 2 elements"),
    (dict(delta=np.array([1])), 561002, "delta must be 1-D with at least R = 2"),
    (dict(pos_cap=-1), 561002, "pos_cap must be >= 0"),
    (dict(seq_cap=0), 561002, "seq_cap must be >= 1"),
    (dict(on_cap="wrap"), 561002, "on_cap must be one of"),
    (dict(delta=True), 561002, "delta must be an int, not a bool"),
    (dict(rewrite_query_start_loc=1), 561002, "rewrite_query_start_loc must be a bool"),
    (dict(block_size=[4, 4]), 561002, "one size per table"),
])
def test_argument_errors(change: dict, code: int, text: str) -> None:
    e = example_3()
    e.update(change)
    before = {k: e[k].copy() for k in OUTPUTS if e.get(k) is not None}
    with pytest.raises(advstep.ArgumentError, match=re.escape(text)) as error:
        advstep.advance_drafts(**e)
    assert error.value.code == code
    for k, old in before.items():
        assert np.array_equal(e[k], old), k


def test_in_place_pairs_must_be_the_same_view() -> None:
    e = example_3()
    e["pos_in"] = e["positions"][1:3]
    with pytest.raises(advstep.ArgumentError, match="an in-place pair must be the very same view"):
        advstep.advance_drafts(**e)
    e = example_3()
    e["pos_in"] = None
    e["rewrite_query_start_loc"] = False
    e["query_start_loc"][:] = [0, 1, 2, 2, 2]
    e["seq_base"] = e["seq_lens"]  # the very same array: allowed, read as at entry
    e["seq_lens"][:2] = [12, 9]
    e["seq_sub"] = None
    advstep.advance_drafts(**e)
    assert e["seq_lens"].tolist() == [12, 10, 0, 0]
    assert e["positions"].tolist() == [8, 8, 7, 7, 7, 7]
