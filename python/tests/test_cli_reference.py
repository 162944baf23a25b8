"""The command's numpy reference (advstep.cli.reference) and ``advstep explain``.

The reference is checked against the test suite's own loop oracle (vLLM's semantics), against the
values Huawei's tests and an NPU give (Ascend semantics), and for the row bound; explain must name
the semantics that produced an output.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from advstep.cli import main as cli_main
from advstep.cli import reference, tensor_files
from advstep.cli.case import Case
from advstep.cli.semantics import Semantics
from cases import random_v1, random_v2
from oracle import Fault

CANN_NAMES = {"input_tokens": "inputTokens", "sampled_token_ids": "sampledTokenIds",
              "input_positions": "inputPositions", "seq_lens": "seqLens", "slot_mapping": "slotMapping",
              "block_tables": "blockTables", "spec_token": "specToken", "accepted_num": "acceptedNum"}


def _as_cli_case(test_case) -> Case:
    tensors = {CANN_NAMES[name]: np.array(t.values, dtype=np.int64).reshape(t.shape)
               for name, t in test_case.tensors.items()}
    return Case("c", test_case.num_seqs, test_case.num_queries, test_case.block_size, tensors)


@pytest.mark.parametrize("speculative", [False, True])
def test_vllm_reference_matches_the_loop_oracle(speculative: bool) -> None:
    rng = random.Random(11 + speculative)
    compared = faults = 0
    for _ in range(400):
        test_case = (random_v2 if speculative else random_v1)(rng, fault_rate=0.3)
        if any(t.dtype != "int64" for t in test_case.tensors.values()):
            continue  # the command's cases are CANN's: int64 throughout
        case = _as_cli_case(test_case)
        try:
            want = test_case.expected()
        except Fault as fault:
            if "accepted_num" in str(fault):
                continue  # the spec now reads acceptedNum as an offset; only the position is checked
            faults += 1
            with pytest.raises(reference.Fault):
                reference.advance(case, Semantics())
            continue
        got = reference.advance(case, Semantics())
        compared += 1
        assert got["inputTokens"].reshape(-1).tolist() == want.input_tokens
        assert got["inputPositions"].reshape(-1).tolist() == want.input_positions
        assert got["seqLens"].reshape(-1).tolist() == want.seq_lens
        assert got["slotMapping"].reshape(-1).tolist() == want.slot_mapping
    assert compared > 50 and faults > 10


def _st_case() -> Case:
    """Huawei's V1 ST case: everything 1, sampled 2, N=8, Q=4, B=4, blockTables [8, 1]."""
    ones = np.ones(8, dtype=np.int64)
    return Case("st", 8, 4, 4, {"inputTokens": ones.copy(), "sampledTokenIds": np.full((4, 1), 2, np.int64),
                                "inputPositions": ones.copy(), "seqLens": ones.copy(), "slotMapping": ones.copy(),
                                "blockTables": np.ones((8, 1), np.int64)})


def _call_example() -> Case:
    """CANN's V1 call example: 0..7 everywhere, sampled 0..3, N=8, Q=4, B=2."""
    values = np.arange(8, dtype=np.int64)
    return Case("example", 8, 4, 2, {"inputTokens": values.copy(), "sampledTokenIds": np.arange(4).reshape(4, 1),
                                     "inputPositions": values.copy(), "seqLens": values.copy(),
                                     "slotMapping": values.copy(), "blockTables": values.reshape(8, 1).copy()})


def test_ascend_reference_reproduces_the_st_golden_with_40_cores() -> None:
    out = reference.advance(_st_case(), Semantics("ascend", 40))
    assert out["inputTokens"].tolist() == [2, 2, 2, 2, 0, 1, 1, 1]
    assert out["inputPositions"].tolist() == [1, 1, 1, 1, 0, 1, 1, 1]
    assert out["seqLens"].tolist() == [2, 2, 2, 2, 1, 1, 1, 1]
    assert out["slotMapping"].tolist() == [5, 9, 13, 17, -1, 1, 1, 1]


def test_ascend_reference_gives_what_an_npu_prints_for_cann_s_example() -> None:
    out = reference.advance(_call_example(), Semantics("ascend", 40))
    assert out["inputTokens"].tolist() == [0, 1, 2, 3, 0, 5, 6, 7]
    assert out["slotMapping"].tolist() == [0, 3, 6, 9, -1, 5, 6, 7]
    vllm = reference.advance(_call_example(), Semantics())
    assert vllm["slotMapping"].tolist() == [0, 3, 6, 9, -1, -1, -1, -1]


def test_ascend_reference_caps_rows_at_the_core_count() -> None:
    out = reference.advance(_st_case(), Semantics("ascend", 2))
    assert out["inputTokens"].tolist() == [2, 2, 1, 1, 0, 1, 0, 1]  # rows 0, 1; padding rows 4 and 6


def _speculative_case() -> Case:
    return Case("v2", 2, 2, 4, {
        "inputTokens": np.zeros(4, np.int64), "sampledTokenIds": np.array([[7, -1], [5, -3]], np.int64),
        "inputPositions": np.array([2, 3, 3, 4], np.int64), "seqLens": np.zeros(4, np.int64),
        "slotMapping": np.zeros(4, np.int64), "blockTables": np.array([[1, 2], [3, 4]], np.int64),
        "specToken": np.array([[8], [9]], np.int64), "acceptedNum": np.array([0, 0], np.int64)})


def test_ascend_speculative_takes_the_argmin_token() -> None:
    case = _speculative_case()
    out = reference.advance(case, Semantics("ascend", 40))
    assert out["inputTokens"].tolist() == [7, 8, 5, 9]  # row 1: the minimum -3 is in column 1: the token before it
    assert out["inputPositions"].tolist() == [3, 4, 4, 5]
    assert out["slotMapping"].tolist() == [1 * 4 + 3, 2 * 4 + 0, 4 * 4 + 0, 4 * 4 + 1]
    vllm = reference.advance(case, Semantics())
    assert vllm["inputTokens"].tolist() == [7, 8, -3, 9]  # no -1 in row 1: its last column


def test_ascend_speculative_wraps_at_int32() -> None:
    case = _speculative_case()
    case.tensors["inputPositions"][0] = 2**32 + 2  # the kernel sees 2
    case.tensors["blockTables"][1, 1] = 2**30  # 2^30 * 4 wraps to 0
    out = reference.advance(case, Semantics("ascend", 40))
    assert out["inputPositions"].tolist()[0] == 3 and out["seqLens"].tolist()[0] == 4
    assert out["slotMapping"].tolist()[2:] == [0, 1]
    with pytest.raises(reference.Fault):  # 64-bit: position 2^32 + 3 leaves the table
        reference.advance(case, Semantics())
    case.tensors["inputPositions"][0] = 2**31 - 1  # + 1 wraps to -2^31: block -2^29, before the table
    with pytest.raises(reference.Fault):
        reference.advance(case, Semantics("ascend", 40))


def test_ascend_plain_divides_toward_zero_and_checks_no_value() -> None:
    case = _call_example()
    case.tensors["seqLens"][:4] = [-1, 1, 2, 3]  # -1 / 2 = 0 in C: block 0, offset -1
    out = reference.advance(case, Semantics("ascend", 40))
    assert out["slotMapping"].tolist()[:4] == [-1, 3, 6, 9]
    assert out["seqLens"].tolist()[:4] == [0, 2, 3, 4]
    with pytest.raises(reference.Fault):
        reference.advance(case, Semantics())


def test_row_bound_faults_where_the_table_bound_reads_the_next_sequence() -> None:
    case = Case("bound", 2, 2, 2, {"inputTokens": np.zeros(2, np.int64), "sampledTokenIds": np.zeros((2, 1), np.int64),
                                   "inputPositions": np.zeros(2, np.int64), "seqLens": np.array([2, 0], np.int64),
                                   "slotMapping": np.zeros(2, np.int64),
                                   "blockTables": np.array([[10], [20]], np.int64)})
    assert reference.advance(case, Semantics()).get("slotMapping").tolist()[0] == 40
    with pytest.raises(reference.Fault) as fault:
        reference.advance(case, Semantics(bound="row"))
    assert "sequence 1" in str(fault.value) and "sequence 0" in str(fault.value)


# ---- explain --------------------------------------------------------------------------------------

def _explain_case(seed: int = 3) -> Case:
    """Q = 50 > 40 rows and 46 > 40 padding rows, so 40 cores is the only count that fits."""
    rng = np.random.default_rng(seed)
    n, q, b, w = 96, 50, 16, 8
    return Case("npu", n, q, b, {
        "inputTokens": rng.integers(1, 1000, n), "sampledTokenIds": rng.integers(1, 1000, (q, 1)),
        "inputPositions": rng.integers(1, 100, n), "seqLens": rng.integers(0, b * w, n),
        "slotMapping": rng.integers(0, 100, n), "blockTables": rng.integers(0, 5000, (n, w))})


def _write_observation(tmp_path, case: Case, semantics: Semantics):
    inputs, observed = tmp_path / "inputs", tmp_path / "observed"
    tensor_files.write_case(str(inputs), case, None, Semantics(), {})
    (observed / case.name).mkdir(parents=True)
    for name, array in reference.advance(case, semantics).items():
        np.save(observed / case.name / f"{name}.npy", array)
    return inputs, observed


def test_explain_names_ascend_with_40_cores(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs, observed = _write_observation(tmp_path, _explain_case(), Semantics("ascend", 40))
    assert cli_main.main(["explain", str(inputs), str(observed)]) == 0
    out = capsys.readouterr().out
    assert "  1. ascend, 40 cores (Ascend910B3, Ascend910B4), table or row bound: reproduces all 4 tensors" in out
    assert "explain: reproduced by ascend, 40 cores" in out
    assert "vllm, table or row bound:" in out and "first at " in out


def test_explain_names_vllm_and_says_where_ascend_differs(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs, observed = _write_observation(tmp_path, _explain_case(), Semantics())
    assert cli_main.main(["explain", str(inputs), str(observed), "--show", "200"]) == 0
    out = capsys.readouterr().out
    assert "  1. vllm, table or row bound: reproduces all 4 tensors" in out
    assert "ascend, 50..64 cores" in out  # counts above max(Q, N - Q) behave alike
    assert "explain: reproduced by vllm, table or row bound" in out


def test_explain_says_when_nothing_reproduces(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case = _explain_case()
    inputs, observed = _write_observation(tmp_path, case, Semantics())
    slots = np.load(observed / case.name / "slotMapping.npy")
    slots[3] += 1
    np.save(observed / case.name / "slotMapping.npy", slots)
    assert cli_main.main(["explain", str(inputs), str(observed)]) == 1
    assert "no single candidate reproduces every case" in capsys.readouterr().out


def test_golden_in_ascend_mode_then_explain(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case = _explain_case(5)
    case_file = tmp_path / "cases.json"
    case_file.write_text(json.dumps({"cases": [{
        "name": "npu", "numSeqs": case.num_seqs, "numQueries": case.num_queries, "blockSize": case.block_size,
        "tensors": {name: {"values": array.tolist()} for name, array in case.tensors.items()}}]}))
    gold = tmp_path / "gold"
    assert cli_main.main(["golden", str(case_file), "--out", str(gold), "--semantics", "ascend",
                          "--ascend-cores", "40"]) == 0
    assert json.loads((gold / "npu" / "manifest.json").read_text())["ascendCores"] == 40
    capsys.readouterr()
    assert cli_main.main(["explain", str(gold), str(gold)]) == 0
    assert "explain: reproduced by ascend, 40 cores" in capsys.readouterr().out


MODES = [["--semantics", "vllm"], ["--block-bound", "row"], ["--semantics", "ascend", "--ascend-cores", "3"],
         ["--semantics", "ascend", "--ascend-cores", "40", "--block-bound", "row"]]


@pytest.mark.parametrize("flags", MODES, ids=lambda f: " ".join(f))
def test_library_and_reference_agree_in_every_mode(tmp_path, capsys: pytest.CaptureFixture[str], flags) -> None:
    """golden refuses a case where they disagree: many drawn cases per mode, faults included."""
    case_file = tmp_path / "cases.json"
    case_file.write_text(json.dumps({"cases": [
        {"name": "plain", "numSeqs": 9, "numQueries": 5, "blockSize": 4, "blockTableWidth": 3,
         "tensors": {"seqLens": {"range": [-1, 20]}, "blockTables": {"range": [-1, 50]}}},
        {"name": "wide", "numSeqs": 97, "numQueries": 45, "blockSize": 8,
         "tensors": {"seqLens": {"range": [0, 70]}}},
        {"name": "spec", "numSeqs": 6, "numQueries": 6, "blockSize": 4, "specNum": 2, "blockTableWidth": 4,
         "tensors": {"inputPositions": {"range": [-3, 12]}, "acceptedNum": {"range": [-1, 5]},
                     "sampledTokenIds": {"range": [-1, 3]}}},
        {"name": "spec32", "numSeqs": 3, "numQueries": 3, "blockSize": 4, "specNum": 1, "blockTableWidth": 2,
         "tensors": {"inputPositions": {"range": [2147483640, 2147483647]}, "acceptedNum": {"range": [0, 3]}}},
    ]}))
    assert cli_main.main(["golden", str(case_file), "--out", str(tmp_path / "gold"), "--count", "40", *flags]) == 0
    out = capsys.readouterr().out
    assert "160 cases written" in out
