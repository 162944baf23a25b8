"""advstep.post_update (spec prepare_step.md 3.3, 4, 10.11) on numpy arrays: Ex 2 in full (prepare_inputs, the
sampler's counts, post_update, the next step), value for value; seeded random cases against the independent
oracle (prepare_step_oracle.py) exactly, with int32/int64 mixes, strided views, skipped rows, the history and
planted faults (the same class at the same b and r, and nothing written); the argument errors of each class."""

from __future__ import annotations

import random

import numpy as np
import pytest

import advstep
from prepare_step_arrays import Array, array, full
from prepare_step_oracle import ArgumentError as OracleArgumentError
from prepare_step_oracle import Fault, post_update as oracle_post_update, sampler_counts
from prepare_step_sweep import parse_fault, seeded_case

STATE = ("num_computed_tokens", "last_sampled_tokens", "total_len", "all_token_ids")


def to_numpy(a: Array, bases: dict) -> np.ndarray:
    """The same view of the same values as a numpy array; Arrays sharing a storage share one numpy base."""
    base = bases.get(id(a.storage))
    if base is None:
        base = bases[id(a.storage)] = np.array(a.storage, dtype=a.dtype)
    item = base.itemsize
    return np.lib.stride_tricks.as_strided(base[a.offset:], shape=a.shape, strides=[s * item for s in a.strides])


def values(a) -> list[int]:
    if isinstance(a, Array):
        return a.flat()
    return [int(x) for x in np.asarray(a).reshape(-1).tolist()]




def run_both(case: dict):
    """The oracle on Arrays and the library on numpy views of copies: ("ok", state) or ("fault", class, b, r)."""
    bases: dict = {}
    arrays = {k: to_numpy(v, bases) if isinstance(v, Array) else v for k, v in case.items()}
    before = {k: np.array(arrays[k]) for k in STATE if arrays.get(k) is not None}
    try:
        oracle_post_update(**case)
        expected = ("ok", {k: values(case[k]) for k in before})
    except Fault as fault:
        expected = ("fault", fault.fault, fault.b, fault.r)
    try:
        advstep.post_update(**arrays)
        got = ("ok", {k: values(arrays[k]) for k in before})
    except advstep.DataFaultError as error:
        got = ("fault",) + parse_fault(str(error), "br")
        for k, a in before.items():
            assert np.array_equal(arrays[k], a), f"{k} written despite a fault"
    return expected, got


# -- spec Ex 2 in full

def test_example_2_prepare_sample_update_and_the_next_step() -> None:
    p = 55
    nc = np.array([12, 4, 0, 7], np.int32)
    prefill_len = np.array([2, 10, 0, 5], np.int32)
    last = np.array([[200], [0], [0], [300]])
    drafts = np.array([[201, 0], [0, 0], [0, 0], [301, 302]])
    tables = np.array([[1, 5, 6, 8], [2, 3, 4, 0], [0, 0, 0, 0], [7, 9, 11, 0]], np.int32)
    idx = np.array([1, 3, 0])
    qsl = np.array([0, 5, 8, 10], np.int32)
    cu = np.array([0, 1, 4, 6], np.int32)
    step = dict(positions=np.full(12, -9), seq_lens=np.full(4, -9, np.int32), slot_mapping=np.full(12, -9),
                input_ids=np.array([p] * 5 + [-9] * 7, np.int32), logits_indices=np.full(6, -9))
    advstep.prepare_inputs(idx_mapping=idx, query_start_loc=qsl, num_computed_tokens=nc, block_tables=tables,
                           block_size=4, last_sampled_tokens=last, draft_tokens=drafts, prefill_len=prefill_len,
                           cu_num_logits=cu, **step)
    assert step["positions"].tolist() == [4, 5, 6, 7, 8, 7, 8, 9, 12, 13, -9, -9]
    assert step["seq_lens"].tolist() == [9, 10, 14, 0]
    assert step["input_ids"].tolist() == [p] * 5 + [300, 301, 302, 200, 201, -9, -9]
    assert step["slot_mapping"].tolist() == [12, 13, 14, 15, 16, 39, 44, 45, 32, 33, -1, -1]
    assert step["logits_indices"].tolist() == [4, 5, 6, 7, 8, 9]

    # The sampler: row 0 is a prefill chunk; row 1 accepts 301 and rejects 302 (bonus 350); row 2 accepts 201.
    sampled = np.array([[-1, -1], [301, 350], [201, 260]])
    sampler_num_sampled = [1, 2, 2]
    counts = [sampler_counts(seq_len=int(step["seq_lens"][b]), prefill_len=int(prefill_len[idx[b]]),
                             num_logits=int(cu[b + 1] - cu[b]), num_sampled=sampler_num_sampled[b])
              for b in range(3)]
    num_sampled = np.array([n for n, _ in counts], np.int32)
    num_rejected = np.array([rho for _, rho in counts], np.int32)
    assert num_sampled.tolist() == [0, 2, 2] and num_rejected.tolist() == [0, 1, 0]

    advstep.post_update(idx_mapping=idx, num_computed_tokens=nc, last_sampled_tokens=last, sampled_tokens=sampled,
                        num_sampled=num_sampled, num_rejected=num_rejected, query_start_loc=qsl)
    assert nc.tolist() == [14, 9, 0, 9]
    assert last.reshape(-1).tolist() == [260, 0, 0, 350]

    # The next step, r3 alone: position 9, seq_lens 10, token 350, slot 45 (the rejected draft's slot).
    step = dict(positions=np.full(4, -9), seq_lens=np.full(1, -9, np.int32), slot_mapping=np.full(4, -9),
                input_ids=np.full(4, -9, np.int32))
    advstep.prepare_inputs(idx_mapping=np.array([3]), query_start_loc=np.array([0, 1], np.int32),
                           num_computed_tokens=nc, block_tables=tables, block_size=4, last_sampled_tokens=last,
                           prefill_len=prefill_len, **step)
    assert step["positions"].tolist() == [9, -9, -9, -9]
    assert step["seq_lens"].tolist() == [10]
    assert step["input_ids"].tolist() == [350, -9, -9, -9]
    assert step["slot_mapping"].tolist() == [45, -1, -1, -1]


def test_example_2_update_with_the_history_matches_the_oracle() -> None:
    case = dict(idx_mapping=array([1, 3, 0]), num_computed_tokens=array([12, 4, 0, 7], "int32"),
                last_sampled_tokens=array([[200], [0], [0], [300]]),
                sampled_tokens=array([[-1, -1], [301, 350], [201, 260]]), num_sampled=array([0, 2, 2], "int32"),
                num_rejected=array([0, 1, 0], "int32"), query_start_loc=array([0, 5, 8, 10], "int32"),
                total_len=array([3, 1, 0, 2], "int32"), all_token_ids=full((4, 6), -9, "int32"))
    expected, got = run_both(case)
    assert got == expected
    assert got[1]["num_computed_tokens"] == [14, 9, 0, 9]
    assert got[1]["total_len"] == [5, 1, 0, 4]
    assert got[1]["all_token_ids"][:6] == [-9, -9, -9, 201, 260, -9]
    assert got[1]["all_token_ids"][18:] == [-9, -9, 301, 350, -9, -9]


# -- seeded random cases against the oracle

def dtype(rng: random.Random) -> str:
    return rng.choice(["int32", "int64"])


def maybe_view(rng: random.Random, a: Array) -> Array:
    """``a`` itself, or the same values as a strided view into a wider buffer (inputs may be views, 10.3)."""
    if a.ndim == 0 or rng.random() < 0.6:
        return a
    if a.ndim == 1:
        wide = full((a.shape[0], 3), -77, a.dtype)
        column = wide.column(rng.randrange(3))
        for i in range(a.shape[0]):
            column.store((i,), a[i])
        return column
    rows, cols = a.shape
    wide = full((rows, cols + 2), -77, a.dtype)
    view = wide.view(1, (rows, cols), (cols + 2, 1))
    for i in range(rows):
        for j in range(cols):
            view.store((i, j), a[i, j])
    return view


def random_case(rng: random.Random) -> dict:
    rows = rng.randint(0, 6)
    state_rows = rows + rng.randint(0, 3)
    width_k = rng.randint(1, 4)
    pad = rng.randint(0, 2)  # per-row inputs may be longer than R
    rows_used = rng.sample(range(state_rows), rows)
    idx = [r if rng.random() < 0.85 else rng.choice([-1, -3]) for r in rows_used]
    lengths = [rng.randint(0, 4) for _ in range(rows)]
    with_qsl = rng.random() < 0.75
    qsl = [0]
    for length in lengths:
        qsl.append(qsl[-1] + length)
    counts = [rng.randint(0, width_k) for _ in range(rows)]
    rejected = [rng.randint(0, lengths[b]) if with_qsl else 0 for b in range(rows)]
    extra = lambda: rng.randint(0, 2)  # noqa: E731  (a state tensor's rows past Rmax)
    case = dict(
        idx_mapping=maybe_view(rng, array(idx, dtype(rng), shape=[rows])),
        num_computed_tokens=array([rng.randrange(0, 50) for _ in range(state_rows + extra())], dtype(rng)),
        sampled_tokens=maybe_view(rng, array([rng.randrange(0, 5000) for _ in range((rows + pad) * width_k)],
                                             dtype(rng), shape=[rows + pad, width_k])),
        num_sampled=maybe_view(rng, array(counts + [rng.randint(0, 9) for _ in range(pad)], dtype(rng))),
        num_rejected=maybe_view(rng, array(rejected + [rng.randint(0, 9) for _ in range(pad)], dtype(rng))),
    )
    last_rows = state_rows + extra()
    last = [rng.randrange(0, 5000) for _ in range(last_rows)]
    case["last_sampled_tokens"] = array(last, dtype(rng), shape=[last_rows] if rng.random() < 0.5 else [last_rows, 1])
    if with_qsl:
        case["query_start_loc"] = maybe_view(rng, array(qsl + [qsl[-1] + 1] * pad, dtype(rng)))
    if rng.random() < 0.5:
        history_width = rng.randint(0, 10)
        hist_rows = state_rows + extra()
        case["total_len"] = array([rng.randint(0, max(0, history_width - width_k)) for _ in range(hist_rows)],
                                  dtype(rng))
        case["all_token_ids"] = full((state_rows + extra(), history_width), -5, dtype(rng))
    return case


def plant_fault(rng: random.Random, case: dict) -> None:
    """Breaks one value (through the view the call reads), so that every fault class is met."""
    rows = case["idx_mapping"].shape[0]
    if rows == 0:
        return
    b = rng.randrange(rows)
    choice = rng.randrange(8)
    if choice == 0:
        case["idx_mapping"].store((b,), rng.choice([99, max(0, case["idx_mapping"][(b + 1) % rows])]))
    elif choice == 1 and case.get("query_start_loc") is not None:
        qsl = case["query_start_loc"]
        i = rng.randrange(rows + 1)
        qsl.store((i,), qsl[i] + rng.choice([-2, 1]))
    elif choice == 2:
        r = case["idx_mapping"][b]
        nc = case["num_computed_tokens"]
        if 0 <= r < nc.shape[0]:
            nc.store((r,), rng.choice([-1, 2 ** 31 - 1 if nc.dtype == "int32" else 2 ** 63 - 1]))
    elif choice == 3:
        case["num_sampled"].store((b,), rng.choice([-1, case["sampled_tokens"].shape[1] + 1]))
    elif choice == 4:
        rejected = case["num_rejected"]
        rejected.store((b,), rng.choice([-1, 5, 2 ** 62 if rejected.dtype == "int64" else 2 ** 31 - 1]))
    elif choice == 5 and case.get("total_len") is not None:
        r = case["idx_mapping"][b]
        total = case["total_len"]
        if 0 <= r < total.shape[0]:
            total.store((r,), rng.choice([-1, 7, 2 ** 31 - 1]))
    elif choice == 6 and case["sampled_tokens"].dtype == "int64":
        tokens = case["sampled_tokens"]
        tokens.store((b, rng.randrange(tokens.shape[1])), 2 ** 40)
    elif choice == 7:
        case["idx_mapping"].store((b,), -1)  # skipped: its garbage is not validated
        case["num_sampled"].store((b,), 1000)


@pytest.mark.parametrize("seed", range(400))
def test_random_cases_match_the_oracle(seed: int) -> None:
    case = seeded_case(seed, random_case, plant_fault, 2)
    try:
        expected, got = run_both(case)
    except OracleArgumentError:
        pytest.skip("the random case broke an argument rule")
    assert got == expected


def test_random_cases_cover_faults_and_success() -> None:
    """The sweep above is not vacuous: it meets successes, every fault class post_update has, and duplicates."""
    seen = set()
    for seed in range(400):
        case = seeded_case(seed, random_case, plant_fault, 2)
        try:
            oracle_post_update(**case)
            seen.add("ok")
        except Fault as fault:
            seen.add(fault.fault)
            if "both update" in str(fault):
                seen.add("duplicate")
        except OracleArgumentError:
            continue
    assert {"ok", "F1", "F2", "F3", "F6", "F8", "duplicate"} <= seen, seen


# -- argument errors

def base() -> dict:
    return dict(idx_mapping=np.array([1, 3, 0]), num_computed_tokens=np.array([12, 4, 0, 7], np.int32),
                last_sampled_tokens=np.array([200, 0, 0, 300]), sampled_tokens=np.array([[-1, -1], [301, 350],
                                                                                          [201, 260]]),
                num_sampled=np.array([0, 2, 2]), num_rejected=np.array([0, 1, 0]),
                query_start_loc=np.array([0, 5, 8, 10]), total_len=np.array([3, 1, 0, 2]),
                all_token_ids=np.full((4, 6), -9))


@pytest.mark.parametrize("change, code, text", [
    (dict(sampled_tokens=None), advstep._errors.NULL_POINTER, "sampled_tokens"),
    (dict(total_len=None), advstep._errors.NULL_POINTER, "total_len is required when all_token_ids is given"),
    (dict(all_token_ids=None), advstep._errors.NULL_POINTER, "all_token_ids is required when total_len"),
    (dict(num_sampled=np.zeros(3, np.float32)), advstep._errors.INVALID_ARGUMENT, "unsupported dtype"),
    (dict(num_rejected=np.zeros(2, np.int64)), advstep._errors.OUT_OF_RANGE, "at least R = 3"),
    (dict(sampled_tokens=np.zeros((3, 0), np.int64)), advstep._errors.OUT_OF_RANGE, "K >= 1"),
    (dict(query_start_loc=np.zeros(3, np.int64)), advstep._errors.OUT_OF_RANGE, "R + 1 = 4"),
    (dict(last_sampled_tokens=np.zeros((4, 2), np.int64)), advstep._errors.OUT_OF_RANGE, "[Rmax] or [Rmax, 1]"),
    (dict(all_token_ids=np.zeros(4, np.int64)), advstep._errors.OUT_OF_RANGE, "2-D [Rmax, Wt]"),
    (dict(total_len=np.zeros(()), ), advstep._errors.OUT_OF_RANGE, "must not be 0-d"),
    (dict(stream=-1), advstep._errors.INVALID_ARGUMENT, "stream"),
])
def test_argument_errors(change: dict, code: int, text: str) -> None:
    case = base()
    case.update(change)
    state = {k: case[k].copy() for k in STATE if isinstance(case.get(k), np.ndarray)}
    with pytest.raises(advstep.ArgumentError) as raised:
        advstep.post_update(**case)
    assert raised.value.code == code, str(raised.value)
    assert text in str(raised.value)
    for k, a in state.items():
        assert np.array_equal(case[k], a)


def test_memory_rules() -> None:
    case = base()
    case["total_len"] = case["num_computed_tokens"]  # two state arrays on one buffer
    with pytest.raises(advstep.ArgumentError, match="num_computed_tokens overlaps total_len"):
        advstep.post_update(**case)
    case = base()
    case["num_computed_tokens"] = np.zeros(8, np.int32)[::2]  # a strided state array
    with pytest.raises(advstep.ArgumentError, match="contiguous"):
        advstep.post_update(**case)
    case = base()
    case["last_sampled_tokens"].flags.writeable = False  # the state is written
    with pytest.raises(advstep.ArgumentError):
        advstep.post_update(**case)
    case = base()
    case["sampled_tokens"].flags.writeable = False  # inputs are only read
    advstep.post_update(**case)
    assert case["num_computed_tokens"].tolist() == [14, 9, 0, 9]


def test_data_fault_names_class_row_and_values() -> None:
    case = base()
    case["idx_mapping"] = np.array([1, 3, 3])
    with pytest.raises(advstep.DataFaultError, match=r"F1 at b = 2, r = 3: rows 1 and 2 both update state row 3"):
        advstep.post_update(**case)
    assert case["num_computed_tokens"].tolist() == [12, 4, 0, 7]


# -- every array library (numpy; torch CPU and CUDA, CuPy where they run)

def test_example_2_update_in_every_array_library(array_lib) -> None:
    """Ex 2's update with the history, on each usable library's arrays (CUDA arrays on their current
    stream), and a fault there: the same message as on the host, nothing written."""
    make = array_lib.make
    state = dict(num_computed_tokens=make([12, 4, 0, 7], (4,), "int32"),
                 last_sampled_tokens=make([200, 0, 0, 300], (4, 1), "int64"),
                 total_len=make([3, 1, 0, 2], (4,), "int32"), all_token_ids=make([-9] * 24, (4, 6), "int64"))
    batch = dict(idx_mapping=make([1, 3, 0], (3,), "int64"),
                 sampled_tokens=make([-1, -1, 301, 350, 201, 260], (3, 2), "int64"),
                 num_sampled=make([0, 2, 2], (3,), "int32"), num_rejected=make([0, 1, 0], (3,), "int32"),
                 query_start_loc=make([0, 5, 8, 10], (4,), "int32"))
    advstep.post_update(**state, **batch)
    array_lib.synchronize()
    read = {k: array_lib.to_list(v) for k, v in state.items()}
    assert read["num_computed_tokens"] == [14, 9, 0, 9]
    assert read["last_sampled_tokens"] == [260, 0, 0, 350]
    assert read["total_len"] == [5, 1, 0, 4]
    assert read["all_token_ids"][:6] == [-9, -9, -9, 201, 260, -9]

    batch["idx_mapping"] = make([1, 3, 3], (3,), "int64")
    with pytest.raises(advstep.DataFaultError, match=r"F1 at b = 2, r = 3: rows 1 and 2 both update state row 3"):
        advstep.post_update(**state, **batch)
    array_lib.synchronize()
    assert {k: array_lib.to_list(v) for k, v in state.items()} == read


EXTREMES = (-(2 ** 63), 2 ** 63 - 1, -1, 2 ** 31, 2 ** 62)


def example_2_int64() -> dict:
    return dict(idx_mapping=array([1, 3, 0]), num_computed_tokens=array([12, 4, 0, 7]),
                last_sampled_tokens=array([[200], [0], [0], [300]]),
                sampled_tokens=array([[-1, -1], [301, 350], [201, 260]]), num_sampled=array([0, 2, 2]),
                num_rejected=array([0, 1, 0]), query_start_loc=array([0, 5, 8, 10]), total_len=array([3, 1, 0, 2]),
                all_token_ids=full((4, 6), -9))


@pytest.mark.parametrize("name", ["idx_mapping", "num_computed_tokens", "sampled_tokens", "num_sampled",
                                  "num_rejected", "query_start_loc", "total_len"])
def test_extreme_values_match_the_oracle(name: str) -> None:
    """Each element of each input set to the int64 limits and near them: the oracle's verdict, no wrap."""
    for index in range(example_2_int64()[name].numel):
        for value in EXTREMES:
            case = example_2_int64()
            case[name].storage[index] = value
            expected, got = run_both(case)
            assert got == expected, (name, index, value)
