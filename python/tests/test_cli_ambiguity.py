"""check never silently picks one of several copies of a result: .npy and .bin, expected/ and outputs/."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import cli_fixtures
from advstep.cli import main as cli_main


def advstep(*argv: object) -> int:
    return cli_main.main([str(a) for a in argv])


@pytest.fixture()
def gold(tmp_path):
    case_file = cli_fixtures.atk_v1(tmp_path / "atk_aclnnAdvanceStep.json", cases=1)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 0
    return tmp_path / "gold"


def test_a_changed_bin_beside_an_unchanged_npy_is_a_difference(tmp_path, gold, capsys) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(gold, copy)
    raw = copy / "aclnnAdvanceStep_0000" / "expected" / "slotMapping.bin"
    values = np.fromfile(raw, dtype="<i8")
    values[2] += 1
    values.tofile(raw)
    capsys.readouterr()
    assert advstep("check", gold, copy) == 1
    out = capsys.readouterr().out
    assert f"slotMapping: 1 of 6 elements differ ({raw})" in out
    assert "slotMapping.npy" not in out
    assert "check: 1 of 1 case differs" in out


def test_results_in_both_expected_and_outputs_are_refused(tmp_path, gold, capsys) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(gold, copy)
    case = copy / "aclnnAdvanceStep_0000"
    shutil.copytree(case / "expected", case / "outputs")
    capsys.readouterr()
    assert advstep("check", gold, copy) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "more than one folder" in err and str(case / "expected") in err and str(case / "outputs") in err


def test_an_expected_npy_and_bin_that_disagree_are_refused(tmp_path, gold, capsys) -> None:
    raw = gold / "aclnnAdvanceStep_0000" / "expected" / "seqLens.bin"
    values = np.fromfile(raw, dtype="<i8")
    values[0] += 1
    values.tofile(raw)
    capsys.readouterr()
    assert advstep("check", gold, gold) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(raw) in err and "seqLens.npy" in err, err


def test_actual_inputs_that_are_not_expected_s_are_said_first(tmp_path, gold, capsys) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(gold, copy)
    for ext in (".npy", ".bin"):
        path = copy / "aclnnAdvanceStep_0000" / "inputs" / f"blockTables{ext}"
        values = np.load(path) if ext == ".npy" else np.fromfile(path, dtype="<i8")
        values.reshape(-1)[4] += 1
        np.save(path, values) if ext == ".npy" else values.tofile(path)
    capsys.readouterr()
    assert advstep("check", gold, copy) == 1
    lines = capsys.readouterr().out.splitlines()
    # Once for both copies (they hold the same values), then no output comparison: the outputs of
    # other inputs are not comparable.
    assert "ACTUAL's inputs are not EXPECTED's: blockTables: 1 of 18 elements differ" in lines[1]
    assert "blockTables.npy and .bin" in lines[1] and "blockTables[4]" in lines[1]
    assert lines[2].startswith("  outputs not compared: they answer other inputs; EXPECTED's inputs were drawn "
                               "with seed 0")
    assert "advstep run atk_aclnnAdvanceStep.json --seed 0 --out DIR" in lines[2]
    assert lines[3] == "check: 1 of 1 case differs" and len(lines) == 4


def test_a_run_out_folder_as_expected_is_explained(tmp_path, gold, capsys) -> None:
    assert advstep("run", gold, "--out", tmp_path / "ran") == 0
    capsys.readouterr()
    assert advstep("check", tmp_path / "ran", gold) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "run --out" in err and "outputs/" in err and "ACTUAL" in err, err
