"""The command's FlashInfer case kind ("op": "advance_step_flashinfer", spec section 9): golden makes
its cases, check compares all eight outputs, explain accounts for a differing row, the command's
reference agrees with the test suite's oracle and with the library, faults are reported as the other
kinds report theirs, and a hostile FlashInfer case file gets one line and exit status 2."""

from __future__ import annotations

import json
import random
import re
import shutil

import numpy as np
import pytest

import cli_fixtures
from advstep.cli import library, reference, tensor_files, verify
from advstep.cli.case import METADATA, OUTPUTS, Case, FLASHINFER
from cli_sandbox import advstep
from oracle_flashinfer import Fault as OracleFault
from oracle_flashinfer import advance_flashinfer
from test_cli_bad_files import one_line_error

EIGHT = OUTPUTS + METADATA


def flashinfer_cases(**overrides) -> list[dict]:
    """Two FlashInfer cases: int64 metadata with padding rows, and int32 metadata."""
    wide = {"name": "fi64", "op": FLASHINFER, "numSeqs": 7, "numQueries": 4, "blockSize": 4,
            "blockTableWidth": 5, "tensors": {"seqLens": {"range": [0, 19]}, "blockTables": {"range": [0, 900]}}}
    narrow = {"name": "fi32", "op": FLASHINFER, "numSeqs": 5, "numQueries": 5, "blockSize": 16,
              "tensors": {"seqLens": {"values": [0, 15, 16, 40, 63]},
                          **{name: {"dtype": "int32"} for name in METADATA}}}
    wide.update(overrides)
    return [wide, narrow]


@pytest.fixture
def gold(tmp_path, capsys):
    path = cli_fixtures.own(tmp_path / "flashinfer.json", flashinfer_cases())
    assert advstep("golden", path, "--out", tmp_path / "gold", "--seed", 3) == 0
    assert "golden: 2 cases written" in capsys.readouterr().out
    return tmp_path / "gold"


def test_golden_writes_eight_tensors_and_check_finds_them_equal(gold, capsys) -> None:
    manifest = json.loads((gold / "fi32" / "manifest.json").read_text())
    assert manifest["api"] == FLASHINFER and manifest["blockBound"] == "row"
    assert all(manifest["inputs"][name]["dtype"] == "int32" for name in METADATA)
    assert sorted(manifest["expected"]) == sorted(EIGHT)
    for name in EIGHT:
        assert (gold / "fi64" / "expected" / f"{name}.npy").is_file()
        assert (gold / "fi64" / "expected" / f"{name}.bin").is_file()
    stored = {item.case.name: item for item in tensor_files.read_cases(str(gold))}
    assert stored["fi32"].case.dtypes == {name: "int32" for name in METADATA}
    # seqLens [0, 15, 16, 40, 63] with B = 16: bounds 1, 1, 2, 3, 4; last pages 1, 16, 1, 9, 16.
    bound = np.load(gold / "fi32" / "expected" / "blockTableBound.npy")
    assert bound.tolist() == [1, 1, 2, 3, 4]
    assert np.load(gold / "fi32" / "expected" / "pagedKvLastPageLen.npy").tolist() == [1, 16, 1, 9, 16]
    assert np.load(gold / "fi32" / "expected" / "pagedKvIndptr.npy").tolist() == [0, 1, 2, 4, 7, 11]
    assert advstep("check", gold, gold) == 0
    assert "check: all 2 cases match (8 tensors each)" in capsys.readouterr().out
    assert advstep("explain", gold, gold) == 0
    out = capsys.readouterr().out
    assert "advance_step_flashinfer (vLLM's semantics, row bound): reproduces all 8 tensors" in out


def _plant(folder, name: str, index: int, delta: int) -> None:
    """Changes one element of a tensor in both of its files."""
    stem = folder / name
    values = np.load(f"{stem}.npy")
    values.reshape(-1)[index] += delta
    for ext in (".npy", ".bin"):
        (folder / f"{name}{ext}").unlink()
    np.save(f"{stem}.npy", values)
    values.astype("<i8").tofile(f"{stem}.bin")


def test_a_planted_difference_is_found_once_and_explained_by_row(gold, tmp_path, capsys) -> None:
    npu = tmp_path / "npu"
    shutil.copytree(gold, npu)
    _plant(npu / "fi32" / "expected", "pagedKvLastPageLen", 3, 5)
    _plant(npu / "fi32" / "expected", "pagedKvIndices", 5, 1)  # row 3's second page (indptr[3] = 4)
    capsys.readouterr()
    assert advstep("check", gold, npu) == 1
    out = capsys.readouterr().out
    assert out.count("pagedKvLastPageLen: 1 of 5 elements differ") == 1  # .npy and .bin once
    assert "pagedKvLastPageLen.npy and .bin" in out
    assert "element 3: expected 9, got 14; query row 3: seqLens[3] = 40, 40 % 16 + 1 = 9" in out
    assert "pagedKvIndices: 1 of 20 elements differ" in out
    assert "page 1 of query row 3 (pagedKvIndptr[3] = 4, blockTableBound 3)" in out
    assert "check: 1 of 2 cases differs" in out
    assert advstep("explain", gold / "fi32", npu / "fi32") == 1
    out = capsys.readouterr().out
    assert "2 of 56 elements differ" in out
    assert "query row 3: pagedKvIndices[5] predicted" in out
    assert "pagedKvLastPageLen[3] predicted 9, observed 14" in out
    assert "pagedKvIndices[5]: page 1 of query row 3 (pagedKvIndptr[3] = 4, blockTableBound 3): blockTables[3][1] =" in out
    assert "pagedKvLastPageLen: query row 3: seqLens[3] = 40, 40 % 16 + 1 = 9" in out
    assert "explain: no single candidate reproduces every case" in out


# ---- the command's reference against the oracle and the library ---------------------------------

def random_case(seed: int) -> tuple[Case, dict[str, int]]:
    """A FlashInfer case with random counts, metadata dtypes, table and capacity (some faulting)."""
    rng = random.Random(seed)
    n = rng.randint(1, 12)
    q = rng.randint(1, n)
    b = rng.choice([1, 3, 16])
    w = rng.randint(1, 4)
    dtypes = {name: rng.choice(["int32", "int64"]) for name in METADATA}
    lens = [rng.randint(-1 if rng.random() < 0.05 else 0, w * b - 1 + (rng.random() < 0.1) * b) for _ in range(n)]
    pages = sum(max(0, pos) // b + 1 for pos in lens[:q])
    capacity = max(0, pages + rng.randint(-1 if rng.random() < 0.2 else 0, 3))
    high = 2**31 + 5 if dtypes["pagedKvIndices"] == "int32" and rng.random() < 0.1 else 10**5
    table = [-1 if rng.random() < 0.02 else rng.randint(0, high) for _ in range(n * w)]
    tensors = {
        "inputTokens": [rng.randint(0, 50000) for _ in range(n)],
        "sampledTokenIds": [rng.randint(0, 50000) for _ in range(q)],
        "inputPositions": [rng.randint(-3, 3) for _ in range(n)],
        "seqLens": lens, "slotMapping": [rng.randint(-3, 3) for _ in range(n)], "blockTables": table,
        "pagedKvIndices": [rng.randint(-9, 9) for _ in range(capacity)],
        "pagedKvIndptr": [-7] * (n + 1), "pagedKvLastPageLen": [-7] * n, "blockTableBound": [-7] * n,
    }
    shapes = {"sampledTokenIds": (q, 1), "blockTables": (n, w)}
    arrays = {name: np.array(values, dtype=np.int64).reshape(shapes.get(name, (-1,)))
              for name, values in tensors.items()}
    return Case(f"random{seed}", n, q, b, arrays, FLASHINFER, dtypes), {"width": w}


ORACLE_NAMES = {"inputTokens": "input_tokens", "sampledTokenIds": "sampled_token_ids",
                "inputPositions": "input_positions", "seqLens": "seq_lens", "slotMapping": "slot_mapping",
                "blockTables": "block_tables", "pagedKvIndices": "paged_kv_indices",
                "pagedKvIndptr": "paged_kv_indptr", "pagedKvLastPageLen": "paged_kv_last_page_len",
                "blockTableBound": "block_table_bound"}


@pytest.mark.parametrize("seed", range(200))
def test_the_reference_agrees_with_the_oracle_and_the_library(seed) -> None:
    case, extra = random_case(seed)
    arrays = {ORACLE_NAMES[name]: array.reshape(-1).tolist() for name, array in case.tensors.items()}
    bits = {ORACLE_NAMES[name]: 32 if case.dtype(name) == "int32" else 64 for name in METADATA}
    bits.update(seq_lens=64, sampled_token_ids=64, block_tables=64)
    try:
        want = advance_flashinfer(case.num_seqs, case.num_queries, case.block_size, arrays, extra["width"], bits)
    except OracleFault:
        want = None
    try:
        got = reference.advance(case, verify.Semantics())
    except reference.Fault:
        got = None
    assert (want is None) == (got is None), (seed, want is None)
    if got is not None:
        for name in EIGHT:
            assert got[name].reshape(-1).tolist() == want[ORACLE_NAMES[name]], (seed, name)
    result = verify.verify(case, verify.Semantics(), library.Device("cpu"))
    assert result.agree, (seed, result.problems)
    assert (result.library_fault is None) == (got is not None)


# ---- faults, reported as the other kinds report theirs -------------------------------------------

@pytest.mark.parametrize("overrides, words", [
    ({"indicesCapacity": 2, "tensors": {"seqLens": {"values": [4, 9, 2, 0, 0, 0, 0]}}},
     "span 7 pages, pagedKvIndices holds 2 (its capacity C)"),
    ({"blockTableWidth": 1, "tensors": {"seqLens": {"values": [1, 9, 2, 0, 0, 0, 0]}}},
     "row 1 (position 9): blockTableBound 3 = 9 / 4 + 1 is past its row of 1 blocks"),
])
def test_capacity_and_row_bound_faults_are_golden_faults(tmp_path, capsys, overrides, words) -> None:
    path = cli_fixtures.own(tmp_path / "faults.json", flashinfer_cases(**overrides)[:1])
    assert advstep("golden", path, "--out", tmp_path / "gold") == 0
    out = capsys.readouterr().out
    assert "(1 with an expected data fault: inputs only)" in out
    manifest = json.loads((tmp_path / "gold" / "fi64" / "manifest.json").read_text())
    assert "data fault" in manifest["fault"] and "expected" not in manifest  # the library's message
    stored = tensor_files.read_cases(str(tmp_path / "gold"))[0]
    with pytest.raises(reference.Fault, match=re.escape(words)):
        reference.advance(stored.case, stored.semantics)
    assert advstep("run", path) == 0
    out = capsys.readouterr().out
    assert "data fault, as the reference finds" in out
    assert advstep("check", tmp_path / "gold", tmp_path / "gold" / "fi64" / "inputs") == 0  # nothing written


@pytest.mark.parametrize("page, dtype, words", [
    (-1, "int64", "page blockTables[1][0] = -1 is negative"),
    (2**31, "int32", "page blockTables[1][0] = 2147483648 does not fit pagedKvIndices (int32)"),
])
def test_every_copied_page_is_checked_not_only_the_slots(page, dtype, words) -> None:
    """Row 1 reads its slot from column 1; its page in column 0 is copied too, and checked."""
    tables = np.arange(6, dtype=np.int64).reshape(3, 2)
    tables[1, 0] = page
    tensors = {"inputTokens": np.zeros(3, np.int64), "sampledTokenIds": np.ones((2, 1), np.int64),
               "inputPositions": np.zeros(3, np.int64), "seqLens": np.array([0, 5, 9], np.int64),
               "slotMapping": np.zeros(3, np.int64), "blockTables": tables,
               "pagedKvIndices": np.zeros(8, np.int64), "pagedKvIndptr": np.zeros(4, np.int64),
               "pagedKvLastPageLen": np.zeros(3, np.int64), "blockTableBound": np.zeros(3, np.int64)}
    case = Case("pages", 3, 2, 4, tensors, FLASHINFER, {"pagedKvIndices": dtype})
    with pytest.raises(reference.Fault, match=re.escape(words)):
        reference.advance(case, verify.Semantics())
    result = verify.verify(case, verify.Semantics(), library.Device("cpu"))
    assert result.agree and result.library_fault is not None


def test_the_ascend_semantics_is_refused_for_a_flashinfer_case(tmp_path, capsys) -> None:
    path = cli_fixtures.own(tmp_path / "fi.json", flashinfer_cases()[:1])
    assert advstep("golden", path, "--out", tmp_path / "gold", "--semantics", "ascend") == 2
    one_line_error(capsys, "fi64", "vLLM's semantics only")
    assert not (tmp_path / "gold").exists()


# ---- hostile FlashInfer case files: one line, exit 2 ---------------------------------------------

HOSTILE = [
    ({"op": "advance_step_bogus"}, "cases[0].op"),
    ({"tensors": {"inputTokens": {"dtype": "int32"}}}, "int32 is for the metadata tensors"),
    ({"tensors": {"pagedKvIndptr": {"dtype": "int32", "range": [0, 2**31]}}}, "does not fit its dtype int32"),
    ({"tensors": {"blockTableBound": {"dtype": "int32", "values": [0, 0, 0, 0, 0, 0, -2**31 - 1]}}},
     "does not fit its dtype int32"),
    ({"tensors": {"pagedKvIndptr": {"dtype": "float32"}}}, "cases[0].tensors.pagedKvIndptr.dtype"),
    ({"specNum": 2}, "speculative path"),
    ({"tensors": {"acceptedNum": {"values": [1]}}}, "speculative path"),
    ({"indicesCapacity": -1}, "cases[0].indicesCapacity"),
    ({"indicesCapacity": 10**30}, "cases[0].indicesCapacity"),
    ({"numQueries": 8}, "numQueries 8 > numSeqs 7"),
    ({"tensors": {"pagedKvIndptr": {"shape": [3]}}}, "fi64"),
    ({"tensors": {"pagedKvIndices": {"values": [[1, 2], [3]]}}}, "unequal length"),
]


@pytest.mark.parametrize("overrides, words", HOSTILE)
def test_a_hostile_flashinfer_case_file_gets_one_line(tmp_path, capsys, overrides, words) -> None:
    path = cli_fixtures.own(tmp_path / "hostile.json", flashinfer_cases(**overrides)[:1])
    for argv in (["golden", path, "--out", tmp_path / "out"], ["run", path]):
        assert advstep(*argv) == 2, argv
        one_line_error(capsys, words)
    assert not (tmp_path / "out").exists()


def test_flashinfer_fields_in_an_advance_step_case_are_refused(tmp_path, capsys) -> None:
    for extra in ({"indicesCapacity": 4}, {"tensors": {"blockTableBound": {"range": [0, 1]}}}):
        case = {"name": "plain", "numSeqs": 4, "numQueries": 2, "blockSize": 4, **extra}
        path = cli_fixtures.own(tmp_path / "plain.json", [case])
        assert advstep("run", path) == 2
        one_line_error(capsys, "belongs to an advance_step_flashinfer case")


def test_a_hostile_manifest_dtype_is_refused(gold, capsys) -> None:
    manifest_path = gold / "fi32" / "manifest.json"
    for dtype in ("float64", "int32"):
        manifest = json.loads(manifest_path.read_text())
        manifest["inputs"]["pagedKvIndptr" if dtype != "int32" else "seqLens"]["dtype"] = dtype
        manifest_path.write_text(json.dumps(manifest))
        assert advstep("check", gold, gold) == 2
        one_line_error(capsys, "fi32", "dtype must be")
        manifest["inputs"]["pagedKvIndptr"]["dtype"] = "int32"
        manifest["inputs"]["seqLens"]["dtype"] = "int64"
        manifest_path.write_text(json.dumps(manifest))


def test_a_mixed_golden_is_checked_explained_and_forced_over(gold, tmp_path, capsys) -> None:
    """A FlashInfer case beside an advance_step one: both verbs judge each by its own outputs, and
    --force removes the metadata files advstep wrote."""
    plain = {"name": "plain", "numSeqs": 6, "numQueries": 3, "blockSize": 4}
    path = cli_fixtures.own(tmp_path / "mixed.json", [plain] + flashinfer_cases())
    assert advstep("golden", path, "--out", gold, "--force") == 0
    assert "golden: 3 cases written" in capsys.readouterr().out
    assert not any((gold / "plain" / "expected").glob("pagedKv*"))
    assert advstep("check", gold, gold) == 0
    assert "check: all 3 cases match (4 or 8 tensors each)" in capsys.readouterr().out
    assert advstep("explain", gold, gold) == 0
    assert "explain: reproduced by vllm, row bound" in capsys.readouterr().out
    assert advstep("run", path) == 0
    assert "fi64: advance_step_flashinfer N=7 Q=4 B=4 W=5 C=20, vllm, row bound" in capsys.readouterr().out
    assert advstep("golden", cli_fixtures.own(tmp_path / "one.json", [plain]), "--out", gold, "--force") == 0
    assert sorted(p.name for p in gold.iterdir()) == ["manifest.json", "plain"]


def test_an_int32_tensor_file_holding_a_wider_value_is_refused(gold, capsys) -> None:
    stem = gold / "fi32" / "inputs" / "pagedKvIndptr"
    values = np.load(f"{stem}.npy")
    values[2] = 2**31
    for ext in (".npy", ".bin"):
        (gold / "fi32" / "inputs" / f"pagedKvIndptr{ext}").unlink()
    np.save(f"{stem}.npy", values)
    values.astype("<i8").tofile(f"{stem}.bin")
    for argv in (["check", gold, gold], ["explain", gold, gold], ["run", gold]):
        assert advstep(*argv) == 2, argv
        one_line_error(capsys, "pagedKvIndptr", "2147483648 does not fit its dtype int32")


@pytest.mark.parametrize("seed", range(40))
def test_values_near_the_limits_never_crash(tmp_path, capsys, seed) -> None:
    """Seeded values at the int32 and int64 edges in every field of a FlashInfer case: exit 0, 1 or
    2, one line on a refusal, and no traceback."""
    rng = random.Random(seed)
    edges = [0, 1, -1, 2**31 - 1, 2**31, -2**31, 2**63 - 1, -2**63, 2**64, 199999999, 200000000]
    case = flashinfer_cases()[0]
    field = rng.choice(["numSeqs", "numQueries", "blockSize", "blockTableWidth", "indicesCapacity", "tensor"])
    if field == "tensor":
        name = rng.choice(EIGHT + ("sampledTokenIds", "blockTables"))
        tensor = {"range": sorted(rng.choice(edges) for _ in range(2))}
        if name in METADATA and rng.random() < 0.5:
            tensor["dtype"] = "int32"
        case["tensors"] = {**case["tensors"], name: tensor}
    else:
        case[field] = rng.choice(edges)
    path = cli_fixtures.own(tmp_path / "edge.json", [case])
    status = advstep("golden", path, "--out", tmp_path / "out")
    captured = capsys.readouterr()
    assert status in (0, 1, 2), (case, captured)
    assert "Traceback" not in captured.err
    if status == 2:
        one_line_error_text = captured.err.strip()
        assert len(one_line_error_text.splitlines()) == 1, one_line_error_text
