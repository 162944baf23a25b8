"""CANN case files are read strictly: a required input left out or without a shape is refused."""

from __future__ import annotations

import json

import pytest

import cli_fixtures
from advstep.cli import main as cli_main


def _edited(path, edit) -> str:
    cli_fixtures.atk_v1(path, cases=2)
    data = json.loads(path.read_text())
    edit(data[1]["inputs"])
    path.write_text(json.dumps(data))
    return str(path)


def _drop_block_tables(inputs) -> None:
    inputs[:] = [item for item in inputs if item["name"] != "blockTables"]


def _null_seq_lens(inputs) -> None:
    next(item for item in inputs if item["name"] == "seqLensRef")["shape"] = None


@pytest.mark.parametrize("edit, names", [(_drop_block_tables, ["case 1", "required input blockTables is missing"]),
                                         (_null_seq_lens, ["case 1", "required input seqLensRef has shape null"])])
def test_a_required_input_left_out_is_refused(tmp_path, capsys, edit, names) -> None:
    case_file = _edited(tmp_path / "atk_aclnnAdvanceStep.json", edit)
    assert cli_main.main(["golden", case_file, "--out", str(tmp_path / "gold")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "atk_aclnnAdvanceStep.json" in err, err
    for name in names:
        assert name in err, err
    assert not (tmp_path / "gold").exists()
