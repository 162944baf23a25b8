"""The semantics keywords: semantics="ascend" against its own oracle and Huawei's goldens,
block_bound="row", and the keywords' errors."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

import advstep
import huawei_goldens as goldens
import oracle
from oracle import Fault

MUTATED = ("input_tokens", "input_positions", "seq_lens", "slot_mapping")


def _call(a: dict[str, Any], n: int, q: int, b: int, **keywords: Any) -> None:
    advstep.advance_step(a["input_tokens"], a["sampled_token_ids"], a["input_positions"], a["seq_lens"],
                         a["slot_mapping"], a["block_tables"], n, q, b,
                         spec_token=a.get("spec_token"), accepted_num=a.get("accepted_num"), **keywords)


def _arrays(values: dict[str, list[int]], shapes: dict[str, tuple[int, ...]]) -> dict[str, Any]:
    return {k: np.array(v, dtype=np.int64).reshape(shapes[k]) for k, v in values.items()}


def _copy(a: dict[str, Any]) -> dict[str, Any]:
    return {k: v.copy() for k, v in a.items()}


# ---- what an NPU prints ---------------------------------------------------------------------------


def test_st_golden_with_forty_cores() -> None:
    a = {k: np.ones(8, dtype=np.int64) for k in MUTATED}
    a["sampled_token_ids"] = np.full((4, 1), 2, dtype=np.int64)
    a["block_tables"] = np.ones((8, 1), dtype=np.int64)
    _call(a, 8, 4, 4, semantics="ascend", ascend_cores=40)
    assert a["input_tokens"].tolist() == [2, 2, 2, 2, 0, 1, 1, 1]
    assert a["input_positions"].tolist() == [1, 1, 1, 1, 0, 1, 1, 1]
    assert a["seq_lens"].tolist() == [2, 2, 2, 2, 1, 1, 1, 1]
    assert a["slot_mapping"].tolist() == [5, 9, 13, 17, -1, 1, 1, 1]


def test_cann_v1_example_with_forty_cores() -> None:
    a = {k: np.arange(8, dtype=np.int64) for k in (*MUTATED, "block_tables")}
    a["sampled_token_ids"] = np.arange(4, dtype=np.int64).reshape(4, 1)
    _call(a, 8, 4, 2, semantics="ascend", ascend_cores=40)
    assert a["input_tokens"].tolist() == [0, 1, 2, 3, 0, 5, 6, 7]
    assert a["input_positions"].tolist() == [0, 1, 2, 3, 0, 5, 6, 7]
    assert a["seq_lens"].tolist() == [1, 2, 3, 4, 4, 5, 6, 7]
    assert a["slot_mapping"].tolist() == [0, 3, 6, 9, -1, 5, 6, 7]


def test_default_semantics_is_unchanged() -> None:
    a = {k: np.arange(8, dtype=np.int64) for k in (*MUTATED, "block_tables")}
    a["sampled_token_ids"] = np.arange(4, dtype=np.int64).reshape(4, 1)
    _call(a, 8, 4, 2)
    assert a["slot_mapping"].tolist() == [0, 3, 6, 9, -1, -1, -1, -1]
    assert a["input_tokens"].tolist() == [0, 1, 2, 3, 0, 0, 0, 0]


def test_ascend_cores_default_from_the_soc_name() -> None:
    """The host reports no Ascend part, so the default is 48 cores: row 48 is not advanced."""
    n, q = 60, 50
    a = {k: np.zeros(n, dtype=np.int64) for k in MUTATED}
    a["sampled_token_ids"] = np.full((q, 1), 7, dtype=np.int64)
    a["block_tables"] = np.zeros((n, 1), dtype=np.int64)
    _call(a, n, q, 1, semantics="ascend")
    assert a["input_tokens"][:48].tolist() == [7] * 48
    assert a["input_tokens"][48:50].tolist() == [0, 0]
    assert a["seq_lens"][48:50].tolist() == [0, 0]


# ---- the independent oracle over seeded cases -----------------------------------------------------


def _ascend_v1_case(rng: random.Random, wild: bool) -> tuple[dict[str, Any], int, int, int, int, bool]:
    n = rng.randint(2, 60)
    q = rng.randint(1, n - 1)
    w = rng.randint(1, 5)
    b = rng.choice([1, 2, 3, 8, 16, 1009] + ([2**20, 2**31 - 1] if wild else []))
    cores = rng.choice([1, 2, 3, 5, 40, 48, rng.randint(1, 80)])
    row_bound = rng.random() < 0.3
    entries = w if row_bound else n * w
    seq_lens = [rng.randint(0, entries * b - 1) for _ in range(n)]
    if wild:
        seq_lens = [rng.choice([s, -rng.randint(0, b - 1), 2**63 - 1, rng.randint(-(2**63), 2**63 - 1)])
                    if rng.random() < 0.1 else s for s in seq_lens]
    tables = [rng.choice([rng.randint(0, 1000), rng.randint(-(2**63), 2**63 - 1)]) if wild else rng.randint(0, 1000)
              for _ in range(n * w)]
    a = _arrays({"input_tokens": [rng.randint(0, 99) for _ in range(n)],
                 "sampled_token_ids": [rng.randint(0, 99) for _ in range(q)],
                 "input_positions": [rng.randint(0, 99) for _ in range(n)],
                 "seq_lens": seq_lens, "slot_mapping": [rng.randint(0, 99) for _ in range(n)],
                 "block_tables": tables},
                {"input_tokens": (n,), "sampled_token_ids": (q, 1), "input_positions": (n,), "seq_lens": (n, 1),
                 "slot_mapping": (n,), "block_tables": (n, w)})
    return a, n, q, b, cores, row_bound


def _ascend_v2_case(rng: random.Random, wild: bool) -> tuple[dict[str, Any], int, int, bool]:
    n = rng.randint(1, 30)
    s = rng.choice([1, 2, 3, 7])
    e = s + 1
    w = rng.randint(1, 6)
    b = rng.choice([1, 2, 8, 16, 128] + ([2**20, 2**31 - 1] if wild else []))
    room = min(w * b, 2**31 - 1)
    accepted = [rng.randint(0, min(2 * s + 3, max(room - 2, 0))) for _ in range(n)]
    positions = [rng.randint(0, max(room - accepted[k // e] - 2, 0)) for k in range(n * e)]
    sampled = []
    for _ in range(n):
        row = [rng.randint(0, 100) for _ in range(e)]
        kind = rng.randrange(5 if wild else 3)
        if kind == 1:
            first = rng.randint(1, e)
            row[first:] = [-1] * (e - first)
        elif kind == 2 and e > 1:
            row[rng.randint(1, e - 1)] = -1
        elif kind == 3 and e > 1:
            row[rng.randint(1, e - 1)] = rng.randint(-1000, -2)
        elif kind == 4:
            row = [2**30 + rng.randint(0, 64) for _ in range(e)]  # ids that round to one float32
        sampled += row
    if wild:
        accepted = [v + rng.randint(-2, 2) * 2**32 if rng.random() < 0.1 else v for v in accepted]
        positions = [v + rng.randint(-2, 2) * 2**32 if rng.random() < 0.1 else v for v in positions]
    tables = [rng.choice([rng.randint(0, 1000), rng.randint(-(2**40), 2**40)]) if wild else rng.randint(0, 1000)
              for _ in range(n * w)]
    if rng.random() < 0.1:
        sampled[rng.randrange(n) * e] = -1
    a = _arrays({"input_tokens": [0] * (n * e), "sampled_token_ids": sampled, "input_positions": positions,
                 "seq_lens": [0] * (n * e), "slot_mapping": [0] * (n * e), "block_tables": tables,
                 "spec_token": [rng.randint(0, 99) for _ in range(n * s)], "accepted_num": accepted},
                {"input_tokens": (n * e,), "sampled_token_ids": (n, e), "input_positions": (n * e,),
                 "seq_lens": (n * e,), "slot_mapping": (n * e,), "block_tables": (n, w), "spec_token": (n, s),
                 "accepted_num": (n,)})  # the Ascend V2 tiling takes the per-token arrays 1-D only
    return a, n, b, rng.random() < 0.3


def _flat(a: dict[str, Any], name: str) -> list[int]:
    return [int(v) for v in a[name].reshape(-1)]


def _expect(a: dict[str, Any], expected: Any, run: Any) -> str:
    """Runs ``run`` on ``a``; checks it against oracle outputs, or a data fault leaving ``a`` as it was."""
    before = _copy(a)
    if isinstance(expected, Fault):
        with pytest.raises(advstep.DataFaultError):
            run()
        assert all(np.array_equal(a[k], before[k]) for k in a), "written on a data fault"
        return "fault"
    run()
    for name in MUTATED:
        assert _flat(a, name) == getattr(expected, name), name
    return "ok"


def _oracle(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except Fault as fault:
        return fault


@pytest.mark.parametrize("wild", [False, True])
def test_ascend_v1_matches_its_oracle(wild: bool) -> None:
    rng = random.Random(31 + wild)
    outcomes = {"ok": 0, "fault": 0}
    for _ in range(1500):
        a, n, q, b, cores, row_bound = _ascend_v1_case(rng, wild)
        expected = _oracle(oracle.ascend_v1, _flat(a, "input_tokens"), _flat(a, "sampled_token_ids"),
                           _flat(a, "input_positions"), _flat(a, "seq_lens"), _flat(a, "slot_mapping"),
                           _flat(a, "block_tables"), n, n, q, b, cores, row_bound)
        outcomes[_expect(a, expected, lambda: _call(a, n, q, b, semantics="ascend", ascend_cores=cores,
                                                    block_bound="row" if row_bound else "table"))] += 1
    assert outcomes["ok"] > 1000


@pytest.mark.parametrize("wild", [False, True])
def test_ascend_v2_matches_its_oracle(wild: bool) -> None:
    rng = random.Random(41 + wild)
    outcomes = {"ok": 0, "fault": 0}
    for _ in range(1500):
        a, n, b, row_bound = _ascend_v2_case(rng, wild)
        s = a["spec_token"].shape[1]
        expected = _oracle(oracle.ascend_v2, _flat(a, "input_tokens"), _flat(a, "sampled_token_ids"),
                           _flat(a, "input_positions"), _flat(a, "seq_lens"), _flat(a, "slot_mapping"),
                           _flat(a, "block_tables"), n, n, b, _flat(a, "spec_token"), _flat(a, "accepted_num"),
                           s, row_bound)
        outcomes[_expect(a, expected, lambda: _call(a, n, n, b, semantics="ascend", ascend_cores=40,
                                                    block_bound="row" if row_bound else "table"))] += 1
    assert outcomes["ok"] > 900


def test_ascend_v2_per_token_arrays_are_one_dimensional() -> None:
    a, n, b, _ = _ascend_v2_case(random.Random(7), False)
    a["input_positions"] = a["input_positions"].reshape(n, -1)
    before = _copy(a)
    with pytest.raises(advstep.ArgumentError, match=r"input_positions must be \[N\*E\] \(Ascend semantics") as raised:
        _call(a, n, n, b, semantics="ascend", ascend_cores=40)
    assert raised.value.code == 561002
    assert all(np.array_equal(a[k], before[k]) for k in a)


def test_row_bound_matches_the_vllm_oracle() -> None:
    rng = random.Random(51)
    outcomes = {"ok": 0, "fault": 0}
    for _ in range(1500):
        n = rng.randint(1, 40)
        q = rng.randint(1, n)
        w = rng.randint(1, 4)
        b = rng.choice([1, 2, 8])
        seq_lens = [rng.randint(0, (w + 1) * b - 1) for _ in range(n)]
        tables = [rng.randint(0, 1000) for _ in range(n * w)]
        a = _arrays({"input_tokens": [1] * n, "sampled_token_ids": list(range(q)), "input_positions": [1] * n,
                     "seq_lens": seq_lens, "slot_mapping": [1] * n, "block_tables": tables},
                    {"input_tokens": (n,), "sampled_token_ids": (q, 1), "input_positions": (n,), "seq_lens": (n,),
                     "slot_mapping": (n,), "block_tables": (n, w)})
        expected = _oracle(oracle.advance_v1, [1] * n, list(range(q)), [1] * n, seq_lens, [1] * n, tables, n, n, q, b,
                           row_bound=True)
        outcomes[_expect(a, expected, lambda: _call(a, n, q, b, block_bound="row"))] += 1
    assert outcomes["ok"] > 200 and outcomes["fault"] > 200


def test_row_bound_names_both_sequences() -> None:
    a = _arrays({"input_tokens": [5, 5], "sampled_token_ids": [7, 8], "input_positions": [5, 5],
                 "seq_lens": [2, 0], "slot_mapping": [5, 5], "block_tables": [10, 20]},
                {"input_tokens": (2,), "sampled_token_ids": (2, 1), "input_positions": (2,), "seq_lens": (2,),
                 "slot_mapping": (2,), "block_tables": (2, 1)})
    with pytest.raises(advstep.DataFaultError, match=r"of sequence 0 .*sequence 1's blocks") as raised:
        _call(a, 2, 2, 2, block_bound="row")
    assert raised.value.code == 507015
    assert a["slot_mapping"].tolist() == [5, 5] and a["seq_lens"].tolist() == [2, 0]
    _call(a, 2, 2, 2)
    assert a["slot_mapping"].tolist() == [40, 40]


# ---- Huawei's goldens ---------------------------------------------------------------------------


def _same(a: dict[str, Any], golden: dict[str, Any]) -> None:
    for name in MUTATED:
        assert np.array_equal(a[name].reshape(-1), golden[name].reshape(-1)), name


def test_kernel_unit_test_golden() -> None:
    rng = np.random.default_rng(61)
    for _ in range(2000):
        a, n, q, b = goldens.draw_kernel_ut(rng)
        golden = goldens.v1_golden(a, n, q, b, 40)
        _call(a, n, q, b, semantics="ascend", ascend_cores=40)
        _same(a, golden)


def test_op_plugin_goldens() -> None:
    rng = np.random.default_rng(62)
    for k in range(2000):
        a, n, q, b = goldens.draw_op_plugin_v1(rng, k % 40)
        golden = goldens.v1_golden(a, n, q, b, 40)
        _call(a, n, q, b, semantics="ascend", ascend_cores=40)
        _same(a, golden)
    for k in range(500):
        a2, n, b = goldens.draw_op_plugin_v2(rng, k % 7)
        golden = goldens.v2_golden(a2, n, b)
        _call(a2, n, n, b, semantics="ascend", ascend_cores=40)
        _same(a2, golden)


def test_st_executor_goldens() -> None:
    rng = np.random.default_rng(63)
    for k in range(300):
        a, n, b = goldens.draw_st_v2(rng, 400 if k % 10 == 0 else 64)
        golden = goldens.v2_golden(a, n, b)
        _call(a, n, n, b, semantics="ascend", ascend_cores=40)
        _same(a, golden)


# ---- the keywords' errors -----------------------------------------------------------------------


def _small() -> dict[str, Any]:
    a = {k: np.arange(8, dtype=np.int64) for k in (*MUTATED, "block_tables")}
    a["sampled_token_ids"] = np.arange(4, dtype=np.int64).reshape(4, 1)
    return a


@pytest.mark.parametrize("keywords", [
    {"semantics": "Ascend"}, {"semantics": "npu"}, {"semantics": 1}, {"semantics": None},
    {"block_bound": "rows"}, {"block_bound": ""}, {"block_bound": True},
    {"semantics": "ascend", "ascend_cores": 0}, {"semantics": "ascend", "ascend_cores": -3},
    {"semantics": "ascend", "ascend_cores": 2**31}, {"semantics": "ascend", "ascend_cores": "40"},
    {"semantics": "ascend", "ascend_cores": True}, {"semantics": "ascend", "ascend_cores": 40.0},
    {"ascend_cores": 0}, {"semantics": "vllm", "ascend_cores": -3}, {"ascend_cores": True},
])
def test_bad_keywords_are_argument_errors(keywords: dict[str, Any]) -> None:
    a = _small()
    before = _copy(a)
    with pytest.raises(advstep.ArgumentError) as raised:
        _call(a, 8, 4, 2, **keywords)
    assert raised.value.code == 161002
    name = next(iter(keywords)) if "ascend_cores" not in keywords else "ascend_cores"
    assert name in str(raised.value)
    assert all(np.array_equal(a[k], before[k]) for k in a)


def test_a_valid_core_count_is_unused_under_vllm() -> None:
    a, b = _small(), _small()
    _call(a, 8, 4, 2, ascend_cores=1)
    _call(b, 8, 4, 2)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert a["slot_mapping"].tolist()[4:] == [-1, -1, -1, -1]  # every padding row, as vLLM writes them


def test_ascend_needs_more_sequences_than_queries_and_int64() -> None:
    a = _small()
    with pytest.raises(advstep.ArgumentError, match="num_seqs must be greater than") as raised:
        a["sampled_token_ids"] = np.arange(8, dtype=np.int64).reshape(8, 1)
        _call(a, 8, 8, 2, semantics="ascend")
    assert raised.value.code == 561002
    a = _small()
    a["seq_lens"] = a["seq_lens"].astype(np.int32)
    with pytest.raises(advstep.ArgumentError, match="int64") as raised:
        _call(a, 8, 4, 2, semantics="ascend")
    assert raised.value.code == 161002


def test_ascend_v2_with_one_optional_takes_the_v1_path() -> None:
    a = _small()
    a["accepted_num"] = np.ones(8, dtype=np.int64)
    _call(a, 8, 4, 2, semantics="ascend", ascend_cores=40)
    assert a["slot_mapping"].tolist() == [0, 3, 6, 9, -1, 5, 6, 7]
    b = _small()
    b["accepted_num"] = np.ones(8, dtype=np.int64)
    with pytest.raises(advstep.ArgumentError) as raised:
        _call(b, 8, 4, 2)
    assert raised.value.code == 161001


def test_ascend_v2_fallback_checks_the_optional_given() -> None:
    # The tiling checks a given optional (spec_token [N, S], accepted_num [N]) before the V1 path.
    for spec, accepted in ((None, np.ones(4, dtype=np.int64)), (np.ones(8, dtype=np.int64), None),
                           (np.ones((8, 0), dtype=np.int64), np.ones((8, 1), dtype=np.int64))):
        a = _small()
        a["spec_token"], a["accepted_num"] = spec, accepted
        before = _copy({k: v for k, v in a.items() if v is not None})
        with pytest.raises(advstep.ArgumentError, match="Ascend semantics: the tiling checks") as raised:
            _call(a, 8, 4, 2, semantics="ascend", ascend_cores=40)
        assert raised.value.code == 561002
        assert all(np.array_equal(a[k], before[k]) for k in before)


def test_ascend_v2_takes_any_num_queries() -> None:
    n, s, w, b = 2, 1, 2, 4
    base = _arrays({"input_tokens": [0] * 4, "sampled_token_ids": [11, -1, 21, 22], "input_positions": [3, 4, 1, 2],
                    "seq_lens": [0] * 4, "slot_mapping": [0] * 4, "block_tables": [10, 11, 20, 21],
                    "spec_token": [100, 200], "accepted_num": [0, 1]},
                   {"input_tokens": (n * (s + 1),), "sampled_token_ids": (n, s + 1), "input_positions": (4,),
                    "seq_lens": (4,), "slot_mapping": (4,), "block_tables": (n, w), "spec_token": (n, s),
                    "accepted_num": (n,)})
    results = []
    for q in (1, 2, 7):
        a = _copy(base)
        _call(a, n, q, b, semantics="ascend", ascend_cores=40)
        results.append([a[k].tolist() for k in MUTATED])
    assert results[0] == results[1] == results[2]
    with pytest.raises(advstep.ArgumentError, match="num_queries must equal num_seqs"):
        _call(_copy(base), n, 1, b)


def test_torch_op_takes_the_keywords() -> None:
    torch = pytest.importorskip("torch")
    t = {k: torch.ones(8, dtype=torch.int64) for k in MUTATED}
    sampled = torch.full((4, 1), 2, dtype=torch.int64)
    tables = torch.ones((8, 1), dtype=torch.int64)
    torch.ops.advstep.advance_step(t["input_tokens"], sampled, t["input_positions"], t["seq_lens"],
                                   t["slot_mapping"], tables, 8, 4, 4, semantics="ascend", ascend_cores=40)
    assert t["slot_mapping"].tolist() == [5, 9, 13, 17, -1, 1, 1, 1]
    with pytest.raises(advstep.ArgumentError):
        torch.ops.advstep.advance_step(t["input_tokens"], sampled, t["input_positions"], t["seq_lens"],
                                       t["slot_mapping"], tables, 8, 4, 4, block_bound="rows")
    u = {k: torch.ones(8, dtype=torch.int64) for k in MUTATED}
    advstep.advance_step(u["input_tokens"], sampled, u["input_positions"], u["seq_lens"], u["slot_mapping"], tables,
                         8, 4, 4, semantics="ascend", ascend_cores=40, block_bound="row")
    assert u["slot_mapping"].tolist() == [5, 9, 13, 17, -1, 1, 1, 1]
