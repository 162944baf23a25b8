"""The newcomer's list for the command: --version, run --seed, check across seeds, --format, one
rule for calls CANN refuses on every verb."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata

import numpy as np
import pytest

import advstep as package
import cli_fixtures
from cli_fixtures import one_line_error
from cli_sandbox import advstep

REPOSITORY = os.path.join(os.path.dirname(__file__), "..", "..")


# ---- --version --------------------------------------------------------------------------------------

def test_version_is_the_package_s_everywhere(capsys) -> None:
    assert advstep("--version") == 0
    assert capsys.readouterr().out.strip() == f"advstep {package.__version__}"
    assert metadata.version("advstep") == package.__version__
    cmake = os.path.join(REPOSITORY, "CMakeLists.txt")
    if not os.path.exists(cmake):
        pytest.skip("not run from the repository")
    with open(cmake, encoding="utf-8") as file:
        found = re.search(r"project\(advstep VERSION ([0-9.]+)", file.read())
    assert found and found.group(1) == package.__version__
    result = subprocess.run([sys.executable, "-m", "advstep", "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.strip() == f"advstep {package.__version__}", result


# ---- run --seed reproduces any golden; check across seeds -------------------------------------------

def test_run_with_the_golden_s_seed_and_count_reproduces_its_inputs(tmp_path, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk_aclnnAdvanceStep.json", cases=2)
    assert advstep("golden", case_file, "--out", tmp_path / "gold", "--seed", 5, "--count", 2) == 0
    assert advstep("run", case_file, "--seed", 5, "--count", 2, "--out", tmp_path / "ran") == 0
    capsys.readouterr()
    assert advstep("check", tmp_path / "gold", tmp_path / "ran") == 0
    assert "all 4 cases match" in capsys.readouterr().out
    for case in ("aclnnAdvanceStep_0001_0001", "aclnnAdvanceStep_0000_0000"):
        assert (tmp_path / "gold" / case / "inputs" / "blockTables.bin").read_bytes() == \
            (tmp_path / "ran" / case / "inputs" / "blockTables.bin").read_bytes()


def test_check_of_another_seed_says_so_once_and_names_the_seed(tmp_path, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk_aclnnAdvanceStep.json", cases=1)
    assert advstep("golden", case_file, "--out", tmp_path / "gold", "--seed", 1) == 0
    assert advstep("run", case_file, "--out", tmp_path / "ran") == 0  # seed 0
    capsys.readouterr()
    assert advstep("check", tmp_path / "gold", tmp_path / "ran") == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    inputs = [line for line in lines if "ACTUAL's inputs are not EXPECTED's" in line]
    assert inputs and all(".npy and .bin" in line for line in inputs)
    names = [line.split(": ")[1] for line in inputs]
    assert len(names) == len(set(names)), out  # each tensor once
    hint = lines[len(inputs) + 1]
    assert hint.startswith("  outputs not compared") and "seed 1" in hint and "ACTUAL's with seed 0" in hint
    assert "advstep run atk_aclnnAdvanceStep.json --seed 1 --out DIR" in hint
    assert "elements differ (" not in out.split("outputs not compared")[1]  # no output diffs after the note
    assert advstep("run", case_file, "--seed", 1, "--out", tmp_path / "ran1") == 0
    assert advstep("check", tmp_path / "gold", tmp_path / "ran1") == 0


def test_a_changed_output_in_both_files_is_reported_once(tmp_path, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 0
    assert advstep("run", tmp_path / "gold", "--out", tmp_path / "ran") == 0
    outputs = tmp_path / "ran" / "aclnnAdvanceStep_0000" / "outputs"
    values = np.load(outputs / "seqLens.npy")
    values[0] += 1
    np.save(outputs / "seqLens.npy", values)
    values.tofile(outputs / "seqLens.bin")
    capsys.readouterr()
    assert advstep("check", tmp_path / "gold", tmp_path / "ran") == 1
    out = capsys.readouterr().out
    assert out.count("seqLens: 1 of 6 elements differ") == 1 and "seqLens.npy and .bin" in out, out


def test_run_seed_and_count_need_a_case_file(tmp_path, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 0
    capsys.readouterr()
    assert advstep("run", tmp_path / "gold", "--seed", 3) == 2
    one_line_error(capsys, "--seed", "case file")


# ---- --format ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("choice, extensions", [("npy", {".npy"}), ("bin", {".bin"}), ("both", {".npy", ".bin"})])
def test_golden_and_run_format(tmp_path, capsys, choice, extensions) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    assert advstep("golden", case_file, "--out", tmp_path / "gold", "--format", choice) == 0
    assert advstep("run", case_file, "--out", tmp_path / "ran", "--format", choice) == 0
    for folder in ("gold", "ran"):
        written = {p.suffix for p in (tmp_path / folder).rglob("*") if p.is_file() and p.name != "manifest.json"}
        assert written == extensions, (folder, written)
    assert advstep("check", tmp_path / "gold", tmp_path / "ran") == 0
    assert advstep("explain", tmp_path / "gold", tmp_path / "ran") == 0
    if choice != "both":
        other = "bin" if choice == "npy" else "npy"
        capsys.readouterr()
        assert advstep("check", tmp_path / "gold", tmp_path / "ran", "--format", other) == 2
        one_line_error(capsys, f"no .{other}")


def test_golden_format_weighs_the_bytes_it_writes(tmp_path) -> None:
    from advstep.cli import golden, sources

    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    selected = sources.selected_specs(case_file)
    both, one = golden.estimated_bytes(selected, 1, 2), golden.estimated_bytes(selected, 1, 1)
    assert both - golden.CASE_OVERHEAD_BYTES == 2 * (one - golden.CASE_OVERHEAD_BYTES)


@pytest.mark.parametrize("verb", ["check", "explain"])
def test_format_picks_one_of_two_disagreeing_copies(tmp_path, capsys, verb) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 0
    assert advstep("run", tmp_path / "gold", "--out", tmp_path / "ran") == 0
    raw = tmp_path / "ran" / "aclnnAdvanceStep_0000" / "outputs" / "slotMapping.bin"
    values = np.fromfile(raw, dtype="<i8")
    values[0] += 1000
    values.tofile(raw)
    capsys.readouterr()
    if verb == "explain":  # without --format: which one is meant?
        assert advstep("explain", tmp_path / "gold", tmp_path / "ran") == 2
        one_line_error(capsys, "slotMapping", "which one is meant", "--format")
    assert advstep(verb, tmp_path / "gold", tmp_path / "ran", "--format", "npy") == 0
    assert advstep(verb, tmp_path / "gold", tmp_path / "ran", "--format", "bin") == 1


# ---- one rule for calls CANN refuses, on every verb ----------------------------------------------------

def test_plain_path_with_as_many_queries_as_sequences_is_refused_by_every_verb(tmp_path, capsys) -> None:
    case_file = cli_fixtures.own(tmp_path / "cases.json", [{"name": "equal", "numSeqs": 4, "numQueries": 4,
                                                            "blockSize": 4}])
    messages = []
    for argv in (["golden", case_file, "--out", tmp_path / "gold"], ["run", case_file],
                 ["run", case_file, "--out", tmp_path / "ran"]):
        assert advstep(*argv) == 2, argv
        messages.append(one_line_error(capsys, "equal", "numSeqs 4 <= numQueries 4", "aclnnAdvanceStep", "561002"))
    assert not (tmp_path / "gold").exists() and not (tmp_path / "ran").exists()
    # A folder holding such a case (made by hand: no verb writes one) is refused by every verb.
    fine = cli_fixtures.own(tmp_path / "fine.json", [{"name": "equal", "numSeqs": 5, "numQueries": 4, "blockSize": 4}])
    assert advstep("golden", fine, "--out", tmp_path / "gold") == 0
    manifest = tmp_path / "gold" / "equal" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["attributes"]["numSeqs"] = 4
    manifest.write_text(json.dumps(data))
    capsys.readouterr()
    for argv in (["run", tmp_path / "gold"], ["check", tmp_path / "gold", tmp_path / "gold"],
                 ["explain", tmp_path / "gold", tmp_path / "gold"]):
        assert advstep(*argv) == 2, argv
        one_line_error(capsys, "numSeqs 4 <= numQueries 4", "561002")


def test_the_speculative_path_takes_as_many_queries_as_sequences(tmp_path, capsys) -> None:
    case_file = cli_fixtures.atk_v2(tmp_path / "atk_aclnnAdvanceStepV2.json")  # N = Q = 5
    assert advstep("run", case_file) == 0
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 0


def test_without_the_command_s_packages_one_line_names_the_install(tmp_path, capsys, monkeypatch) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # as if not installed
    assert advstep("run", case_file) == 2
    one_line_error(capsys, "needs the Python package jsonschema", "pip install")


def test_the_built_in_batch_is_drawn_with_the_seed(tmp_path, capsys) -> None:
    assert advstep("run", "--seed", 2, "--out", tmp_path / "two") == 0
    assert advstep("run", "--out", tmp_path / "zero") == 0
    tables = [np.load(tmp_path / out / "decode" / "inputs" / "blockTables.npy") for out in ("two", "zero")]
    assert not np.array_equal(*tables)
    assert json.loads((tmp_path / "two" / "manifest.json").read_text())["seed"] == 2
    capsys.readouterr()
    assert advstep("run", "--count", 2) == 2
    one_line_error(capsys, "--count", "built-in batch")
