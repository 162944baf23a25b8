"""golden's --out: case selection, the size guard, --force, and every failure in one line that
leaves no folder looking complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import cli_fixtures
from cli_fixtures import one_line_error
from advstep.cli import golden, main as cli_main, out_folder, tensor_files


def advstep(*argv: object) -> int:
    try:
        return cli_main.main([str(a) for a in argv])
    except SystemExit as exit_:  # argparse's refusals
        return int(exit_.code)


def listed(folder) -> list[str]:
    return json.loads((folder / "manifest.json").read_text())["cases"]


def test_cases_and_first_pick_cases_with_the_values_of_a_full_run(tmp_path) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk_aclnnAdvanceStep.json", cases=4)
    assert advstep("golden", case_file, "--out", tmp_path / "all") == 0
    assert advstep("golden", case_file, "--out", tmp_path / "some", "--cases", "0,2-3") == 0
    assert listed(tmp_path / "some") == ["aclnnAdvanceStep_0000", "aclnnAdvanceStep_0002", "aclnnAdvanceStep_0003"]
    for sub in ("inputs/blockTables.npy", "expected/slotMapping.npy"):
        assert np.array_equal(np.load(tmp_path / "all" / "aclnnAdvanceStep_0002" / sub),
                              np.load(tmp_path / "some" / "aclnnAdvanceStep_0002" / sub))
    assert advstep("golden", case_file, "--out", tmp_path / "first", "--first", 2, "--count", 2) == 0
    assert listed(tmp_path / "first") == ["aclnnAdvanceStep_0000_0000", "aclnnAdvanceStep_0000_0001",
                                          "aclnnAdvanceStep_0001_0000", "aclnnAdvanceStep_0001_0001"]


@pytest.mark.parametrize("cases, names", [("9", ["--cases 9", "4 cases", "0..3"]), ("2-1", ["--cases", "2-1"]),
                                          ("x", ["--cases", "'x'"])])
def test_cases_out_of_the_file_or_malformed(tmp_path, capsys, cases, names) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=4)
    assert advstep("golden", case_file, "--out", tmp_path / "gold", "--cases", cases) == 2
    one_line_error(capsys, *names)
    assert not (tmp_path / "gold").exists()


def _huge_v2(path) -> str:
    """CANN's largest V2 ST case: blockTables [9921, 10000] (about 1.6 GB of golden files)."""
    cli_fixtures.atk_v2(path)
    data = json.loads(open(path).read())
    for item in data[0]["inputs"]:
        if item["name"] == "blockTables":
            item["shape"] = [9921, 10000]
    with open(path, "w") as file:
        json.dump(data, file)
    return os.fspath(path)


def test_a_golden_larger_than_the_free_space_is_refused_before_writing(tmp_path, monkeypatch, capsys) -> None:
    case_file = _huge_v2(tmp_path / "atk_aclnnAdvanceStepV2.json")
    monkeypatch.setattr(out_folder, "free_bytes", lambda out: 10**9)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 2
    one_line_error(capsys, "--out", "1.6 GB", "1.0 GB free", "--cases")
    assert not (tmp_path / "gold").exists()
    need = golden.estimated_bytes(golden.sources.selected_specs(case_file), 1)
    assert 9921 * 10000 * 16 < need < 9921 * 10000 * 16 + 10**6


def test_a_case_too_large_for_memory_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=2)

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 745. GiB for an array")  # what numpy's _ArrayMemoryError is

    monkeypatch.setattr(golden.sources.case_files, "generate", no_memory)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 2
    one_line_error(capsys, "atk.json", "memory", "--cases")
    assert not (tmp_path / "gold").exists()


def test_a_full_disk_names_the_file_being_written(tmp_path, monkeypatch, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)

    def full(path, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tensor_files.np, "save", full)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 2
    one_line_error(capsys, "No space left on device", os.path.join("aclnnAdvanceStep_0000", "inputs", "inputTokens.npy"))
    assert not (tmp_path / "gold").exists()


def test_an_interrupt_is_one_line_status_130_and_no_complete_looking_folder(tmp_path, monkeypatch, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=3)
    real, calls = golden.verify, []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(golden, "verify", interrupted)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 130
    one_line_error(capsys, "interrupted", "removed")
    assert not (tmp_path / "gold").exists()
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "notes.txt").write_text("kept")
    calls.clear()
    assert advstep("golden", case_file, "--out", tmp_path / "old", "--force") == 130
    one_line_error(capsys, "interrupted", "no manifest.json")
    assert not (tmp_path / "old" / "manifest.json").exists() and (tmp_path / "old" / "notes.txt").exists()


def test_a_refused_case_leaves_no_out_folder(tmp_path, capsys) -> None:
    case_file = cli_fixtures.own(tmp_path / "cases.json", [
        {"name": "fine", "numSeqs": 4, "numQueries": 2, "blockSize": 4},
        {"name": "short", "numSeqs": 4, "numQueries": 2, "blockSize": 4,
         "tensors": {"seqLens": {"shape": [3], "range": [0, 3]}}}])
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 2
    one_line_error(capsys, "short")
    assert not (tmp_path / "gold").exists()


@pytest.mark.parametrize("verb", ["golden", "run"])
def test_an_empty_out_names_the_option(tmp_path, capsys, verb) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    assert advstep(verb, case_file, "--out", "") == 2
    one_line_error(capsys, "--out", "empty")


def test_run_out_into_an_unusable_place_is_refused_before_running(tmp_path, capsys) -> None:
    (tmp_path / "file").write_text("")
    assert advstep("run", "--out", tmp_path / "file" / "sub") == 2
    captured = capsys.readouterr()
    assert "advstep run:" not in captured.out
    assert len(captured.err.strip().splitlines()) == 1 and "--out" in captured.err and "file" in captured.err


def test_a_closed_pipe_exits_quietly_with_the_verdict() -> None:
    process = subprocess.Popen([sys.executable, "-m", "advstep", "run"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone, as with `advstep run | head -0`
    err = process.stderr.read().decode()
    assert process.wait() == 0 and err == "", err


def test_v1_with_as_many_queries_as_sequences_is_refused(tmp_path, capsys) -> None:
    case_file = cli_fixtures.own(tmp_path / "cases.json", [
        {"name": "decode", "numSeqs": 4, "numQueries": 4, "blockSize": 4}])
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 2
    one_line_error(capsys, "cases.json", "decode", "numSeqs 4 <= numQueries 4", "aclnnAdvanceStep", "561002")
    assert not (tmp_path / "gold").exists()


def test_a_non_empty_out_needs_force_which_clears_stale_cases(tmp_path, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=3)
    gold = tmp_path / "gold"
    assert advstep("golden", case_file, "--out", gold, "--count", 2) == 0
    (gold / "notes.txt").write_text("kept")
    capsys.readouterr()
    assert advstep("golden", case_file, "--out", gold) == 2
    one_line_error(capsys, "--out", "not empty", "--force")
    assert advstep("golden", case_file, "--out", gold, "--first", 1, "--force") == 0
    assert listed(gold) == ["aclnnAdvanceStep_0000"]
    assert sorted(os.listdir(gold)) == ["aclnnAdvanceStep_0000", "manifest.json", "notes.txt"]
