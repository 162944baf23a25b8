"""The advstep command: its verbs, exit statuses and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import cli_fixtures
from cli_fixtures import one_line_error
from advstep.cli import main as cli_main
from advstep.cli import reference


def advstep(*argv: str) -> int:
    return cli_main.main([str(a) for a in argv])


# ---- run ----------------------------------------------------------------------------------------

def test_run_builtin_batch_prints_a_verified_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert advstep("run") == 0
    out = capsys.readouterr().out
    assert "decode: aclnnAdvanceStep N=384 Q=371 B=128" in out
    assert "speculative: aclnnAdvanceStepV2" in out and "S=3" in out
    assert out.count("slotMapping ok") == 2 and "us/call" in out or "ms/call" in out
    assert "verified: every output of 2 cases matches the reference" in out


def test_python_dash_m_and_console_script() -> None:
    result = subprocess.run([sys.executable, "-m", "advstep", "run"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "verified" in result.stdout
    script = os.path.join(os.path.dirname(sys.executable), "advstep")
    if os.path.exists(script):
        help_text = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
        for verb in ("run", "golden", "check", "explain"):
            assert verb in help_text


def test_python_example_runs_and_matches() -> None:
    example = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python_advance_step.py")
    result = subprocess.run([sys.executable, example], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("matches the expected values")


def test_run_case_file_writes_outputs(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk_aclnnAdvanceStep.json", cases=2)
    assert advstep("run", case_file, "--out", tmp_path / "out") == 0
    assert "verified: every output of 2 cases" in capsys.readouterr().out
    written = np.load(tmp_path / "out" / "aclnnAdvanceStep_0001" / "outputs" / "seqLens.npy")
    assert written.shape == (6,)


def test_run_on_a_golden_folder_then_check_its_outputs(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.atk_v2(tmp_path / "atk_aclnnAdvanceStepV2.json")
    assert advstep("golden", case_file, "--out", tmp_path / "gold", "--count", 2) == 0
    assert advstep("run", tmp_path / "gold", "--out", tmp_path / "ran") == 0
    assert "verified: every output of 2 cases" in capsys.readouterr().out
    assert (tmp_path / "ran" / "aclnnAdvanceStepV2_0000_0001" / "outputs" / "inputTokens.bin").exists()
    assert advstep("check", tmp_path / "gold", tmp_path / "ran") == 0


# ---- golden and check -----------------------------------------------------------------------------

def test_golden_on_a_cann_st_file_then_one_changed_value(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk_aclnnAdvanceStep.json")
    gold, dump = tmp_path / "gold", tmp_path / "dump"
    assert advstep("golden", case_file, "--out", gold, "--seed", 7) == 0
    case = gold / "aclnnAdvanceStep_0002"
    manifest = json.loads((case / "manifest.json").read_text())
    assert manifest["api"] == "aclnnAdvanceStep" and manifest["seed"] == 7
    assert manifest["attributes"] == {"numSeqs": 6, "numQueries": 3, "blockSize": 4}
    for folder, names in (("inputs", ("inputTokens", "sampledTokenIds", "inputPositions", "seqLens", "slotMapping",
                                      "blockTables")),
                          ("expected", ("inputTokens", "inputPositions", "seqLens", "slotMapping"))):
        for name in names:
            npy = np.load(case / folder / f"{name}.npy")
            raw = np.fromfile(case / folder / f"{name}.bin", dtype="<i8")
            assert np.array_equal(npy.reshape(-1), raw), (folder, name)
    assert np.load(case / "inputs" / "sampledTokenIds.npy").shape == (3, 1)

    # Dumps, named like the tensors, in a flat folder per case: the same values match ...
    for sub in os.listdir(gold):
        if (gold / sub).is_dir():
            (dump / sub).mkdir(parents=True)
            for name in ("inputTokens", "inputPositions", "seqLens", "slotMapping"):
                np.fromfile(gold / sub / "expected" / f"{name}.bin", dtype="<i8").tofile(dump / sub / f"{name}.bin")
    capsys.readouterr()
    assert advstep("check", gold, dump) == 0
    assert "all 3 cases match" in capsys.readouterr().out

    # ... and one changed value is named by case, tensor and row, with the row's terms.
    slots = np.fromfile(dump / "aclnnAdvanceStep_0001" / "slotMapping.bin", dtype="<i8")
    slots[1] += 3
    slots.tofile(dump / "aclnnAdvanceStep_0001" / "slotMapping.bin")
    assert advstep("check", gold, dump) == 1
    out = capsys.readouterr().out
    assert "aclnnAdvanceStep_0001" in out and "aclnnAdvanceStep_0000" not in out
    assert "slotMapping: 1 of 6 elements differ" in out
    assert f"row 1: expected {slots[1] - 3}, got {slots[1]}; query row 1: " in out
    assert "seqLens[1] = " in out and "blockTables[1][" in out and "slot = " in out
    assert "check: 1 of 3 cases differs" in out


def test_golden_v2_st_file_with_accepted_counts_above_s(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.atk_v2(tmp_path / "atk_aclnnAdvanceStepV2.json")
    assert advstep("golden", case_file, "--out", tmp_path / "gold", "--count", 4) == 0
    assert "4 cases written" in capsys.readouterr().out
    names = json.loads((tmp_path / "gold" / "manifest.json").read_text())["cases"]
    assert names == [f"aclnnAdvanceStepV2_0000_{k:04d}" for k in range(4)]
    case = tmp_path / "gold" / names[0]
    assert np.load(case / "inputs" / "specToken.npy").shape == (5, 2)
    assert np.load(case / "expected" / "slotMapping.npy").shape == (15,)
    assert advstep("check", tmp_path / "gold", tmp_path / "gold") == 0


def test_check_on_the_speculative_path_names_sequence_and_column(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.atk_v2(tmp_path / "atk_aclnnAdvanceStepV2.json")
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 0
    changed = tmp_path / "changed" / "aclnnAdvanceStepV2_0000"
    changed.mkdir(parents=True)
    for name in ("inputTokens", "inputPositions", "seqLens", "slotMapping"):
        array = np.load(tmp_path / "gold" / "aclnnAdvanceStepV2_0000" / "expected" / f"{name}.npy")
        if name == "inputPositions":
            array[7] += 1  # sequence 2, column 1
        np.save(changed / f"{name}.npy", array)
    capsys.readouterr()
    assert advstep("check", tmp_path / "gold", tmp_path / "changed") == 1
    out = capsys.readouterr().out
    assert "inputPositions: 1 of 15 elements differ" in out
    assert "element 7: expected" in out and "sequence 2 column 1: inputPositions[7] = " in out
    assert "acceptedNum[2] = " in out and "sampledTokenIds[2] = [" in out


def test_st_v2_file_without_its_optional_inputs_takes_the_plain_path(tmp_path) -> None:
    path = cli_fixtures.atk_v1(tmp_path / "atk_aclnnAdvanceStepV2.json", cases=1)
    data = json.loads(open(path).read())
    data[0]["aclnn_name"] = "aclnnAdvanceStepV2"
    data[0]["inputs"] += [cli_fixtures._tensor("specTokenOptional", None, 0, 0),
                          cli_fixtures._tensor("acceptedNumOptional", None, 0, 0)]
    cli_fixtures._write(path, data)
    assert advstep("golden", path, "--out", tmp_path / "gold") == 0
    case = tmp_path / "gold" / "aclnnAdvanceStepV2_0000"
    manifest = json.loads((case / "manifest.json").read_text())
    assert manifest["api"] == "aclnnAdvanceStepV2"
    assert manifest["inputs"]["specToken"]["shape"] == [0] and manifest["inputs"]["acceptedNum"]["shape"] == [0]
    assert np.load(case / "expected" / "slotMapping.npy").tolist()[3:] == [-1, -1, -1]


def test_golden_is_seeded(tmp_path) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    for out, seed in (("a", 1), ("b", 1), ("c", 2)):
        assert advstep("golden", case_file, "--out", tmp_path / out, "--seed", seed) == 0

    def read(out: str) -> bytes:
        return (tmp_path / out / "aclnnAdvanceStep_0000" / "inputs" / "blockTables.bin").read_bytes()

    assert read("a") == read("b") != read("c")


def test_own_case_file_values_ranges_and_defaults(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.own(tmp_path / "cases.json", [
        {"name": "example", "numSeqs": 8, "numQueries": 4, "blockSize": 2,
         "tensors": {"inputTokens": {"values": list(range(8))}, "sampledTokenIds": {"values": [[0], [1], [2], [3]]},
                     "inputPositions": {"values": list(range(8))}, "seqLens": {"values": list(range(8))},
                     "slotMapping": {"values": list(range(8))}, "blockTables": {"shape": [8, 1], "values": list(range(8))}}},
        {"name": "drawn", "numSeqs": 16, "numQueries": 9, "blockSize": 16, "tensors": {"seqLens": {"range": [0, 200]}}},
        {"name": "speculative", "numSeqs": 6, "numQueries": 6, "blockSize": 4, "specNum": 3},
    ])
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 0
    expected = tmp_path / "gold" / "example" / "expected"
    assert np.load(expected / "slotMapping.npy").tolist() == [0, 3, 6, 9, -1, -1, -1, -1]
    assert np.load(expected / "inputTokens.npy").tolist() == [0, 1, 2, 3, 0, 0, 0, 0]
    tables = np.load(tmp_path / "gold" / "drawn" / "inputs" / "blockTables.npy")
    assert tables.shape == (16, 200 // 16 + 1)
    assert np.load(tmp_path / "gold" / "speculative" / "inputs" / "sampledTokenIds.npy").shape == (6, 4)


def test_golden_refuses_to_write_when_library_and_reference_disagree(tmp_path, monkeypatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    real = reference.advance

    def off_by_one(case, semantics):
        outputs = real(case, semantics)
        outputs["seqLens"].reshape(-1)[0] += 1
        return outputs

    monkeypatch.setattr(reference, "advance", off_by_one)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 1
    out = capsys.readouterr().out
    assert "disagree" in out and "seqLens" in out and "aclnnAdvanceStep_0000" in out
    assert not (tmp_path / "gold" / "aclnnAdvanceStep_0000").exists()


def test_golden_records_an_expected_data_fault(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.own(tmp_path / "cases.json", [
        {"name": "negative", "numSeqs": 2, "numQueries": 1, "blockSize": 4,
         "tensors": {"seqLens": {"values": [-3, 0]}}}])
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 0
    assert "1 with an expected data fault" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "gold" / "negative" / "manifest.json").read_text())
    assert "negative" in manifest["fault"] and "expected" not in manifest
    # A device that wrote nothing matches; one that wrote something does not.
    dump = tmp_path / "dump" / "negative"
    dump.mkdir(parents=True)
    for name in ("inputTokens", "inputPositions", "seqLens", "slotMapping"):
        np.save(dump / f"{name}.npy", np.load(tmp_path / "gold" / "negative" / "inputs" / f"{name}.npy"))
    assert advstep("check", tmp_path / "gold", tmp_path / "dump") == 0
    np.save(dump / "seqLens.npy", np.array([-2, 0]))
    assert advstep("check", tmp_path / "gold", tmp_path / "dump") == 1


# ---- bad files and arguments: exit 2, one line naming them ------------------------------------------

def test_missing_case_file(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert advstep("golden", tmp_path / "nope.json", "--out", tmp_path / "g") == 2
    one_line_error(capsys, "nope.json")


def test_case_file_not_json(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.json").write_text("{ not json")
    assert advstep("run", tmp_path / "bad.json") == 2
    one_line_error(capsys, "bad.json", "not a JSON case file")


@pytest.mark.parametrize("case, where", [
    ({"name": "x", "numSeqs": 0, "numQueries": 1, "blockSize": 1}, "cases[0].numSeqs"),
    ({"name": "x", "numSeqs": 2, "numQueries": 1}, "cases[0]"),
    ({"name": "x", "numSeqs": 2, "numQueries": 1, "blockSize": 1, "tensors": {"seqlens": {}}}, "cases[0].tensors"),
    ({"name": "x", "numSeqs": 2, "numQueries": 1, "blockSize": 1,
      "tensors": {"seqLens": {"values": [1, 2], "range": [0, 1]}}}, "cases[0].tensors.seqLens"),
    ({"name": "x", "numSeqs": 2, "numQueries": 1, "blockSize": 1, "tensors": {"seqLens": {"dtype": "int32"}}},
     "cases[0].tensors.seqLens.dtype"),
])
def test_case_file_against_the_schema(tmp_path, capsys: pytest.CaptureFixture[str], case, where) -> None:
    case_file = cli_fixtures.own(tmp_path / "cases.json", [case])
    assert advstep("golden", case_file, "--out", tmp_path / "g") == 2
    one_line_error(capsys, "cases.json", where)


def test_case_the_library_refuses_names_case_and_rule(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.own(tmp_path / "cases.json", [
        {"name": "short", "numSeqs": 4, "numQueries": 2, "blockSize": 4,
         "tensors": {"seqLens": {"shape": [3], "range": [0, 3]}}}])
    assert advstep("run", case_file) == 2
    assert "seq_lens" not in one_line_error(capsys, "short", "seqLens")


def test_atk_file_with_unknown_tensor(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    data = json.loads(open(path).read())
    data[0]["inputs"][0]["name"] = "tokens"
    cli_fixtures._write(path, data)
    assert advstep("golden", path, "--out", tmp_path / "g") == 2
    one_line_error(capsys, "atk.json", "case 0", "tokens")


@pytest.mark.parametrize("argv, names", [
    (["golden"], ["CASE"]),
    (["golden", "x.json"], ["--out"]),
    (["golden", "x.json", "--out", "d", "--count", "0"], ["--count"]),
    (["golden", "x.json", "--out", "d", "--seed", "-1"], ["--seed"]),
    (["run", "--semantics", "npu"], ["--semantics", "npu"]),
    (["run", "--ascend-cores", "8"], ["--ascend-cores", "--semantics ascend"]),
    (["run", "--semantics", "ascend", "--ascend-cores", "zero"], ["--ascend-cores"]),
    (["run", "--block-bound", "page"], ["--block-bound"]),
    (["run", "--device", "tpu"], ["--device"]),
    (["check", "only-one"], ["ACTUAL"]),
    (["frobnicate"], ["frobnicate"]),
])
def test_bad_arguments(capsys: pytest.CaptureFixture[str], argv, names) -> None:
    with pytest.raises(SystemExit) as exit_info:
        advstep(*argv)
    assert exit_info.value.code == 2
    one_line_error(capsys, *names)


def test_check_bad_folders(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    gold = tmp_path / "gold"
    assert advstep("golden", case_file, "--out", gold) == 0
    capsys.readouterr()
    assert advstep("check", tmp_path / "none", gold) == 2
    one_line_error(capsys, "none", "no such folder")
    assert advstep("check", gold, tmp_path / "none") == 2
    one_line_error(capsys, "none")
    (tmp_path / "empty").mkdir()
    assert advstep("check", tmp_path / "empty", gold) == 2
    one_line_error(capsys, "empty", "manifest.json")
    dump = tmp_path / "dump" / "aclnnAdvanceStep_0000"
    dump.mkdir(parents=True)
    np.zeros(5, dtype="<i8").tofile(dump / "inputTokens.bin")
    assert advstep("check", gold, tmp_path / "dump") == 2
    one_line_error(capsys, "inputTokens.bin", "40 bytes", "expected 48")
    np.zeros(6, dtype="<i8").tofile(dump / "inputTokens.bin")
    assert advstep("check", gold, tmp_path / "dump") == 2
    one_line_error(capsys, "inputPositions", "missing")
    (gold / "aclnnAdvanceStep_0000" / "manifest.json").write_text("[]")
    assert advstep("check", gold, gold) == 2
    one_line_error(capsys, "manifest.json", "not an advstep manifest")


def test_golden_out_is_a_file(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    (tmp_path / "file").write_text("")
    assert advstep("golden", case_file, "--out", tmp_path / "file") == 2
    one_line_error(capsys, "--out", "file")
