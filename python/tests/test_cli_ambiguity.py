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
