"""One default Ascend core count: the command's is the library's, and it is always recorded."""

from __future__ import annotations

import json

import numpy as np

import advstep
import cli_fixtures
from advstep.cli import main as cli_main


def test_the_default_core_count_is_the_library_s_and_is_recorded(tmp_path, capsys) -> None:
    # Q = 60 > 48 > 40 query rows: 40 and 48 cores update different rows.
    case_file = cli_fixtures.own(tmp_path / "cases.json", [
        {"name": "wide", "numSeqs": 100, "numQueries": 60, "blockSize": 4, "blockTableWidth": 300}])
    gold = tmp_path / "gold"
    assert cli_main.main(["golden", case_file, "--out", str(gold), "--semantics", "ascend"]) == 0
    out = capsys.readouterr().out
    manifest = json.loads((gold / "wide" / "manifest.json").read_text())
    cores = manifest["ascendCores"]
    assert f"ascend, {cores} cores" in out
    assert json.loads((gold / "manifest.json").read_text())["ascendCores"] == cores

    def read(sub: str, name: str) -> np.ndarray:
        return np.load(gold / "wide" / sub / f"{name}.npy")

    arrays = {advstep_name: read("inputs", cann) for cann, advstep_name in
              (("inputTokens", "input_tokens"), ("sampledTokenIds", "sampled_token_ids"),
               ("inputPositions", "input_positions"), ("seqLens", "seq_lens"), ("slotMapping", "slot_mapping"),
               ("blockTables", "block_tables"))}
    advstep.advance_step(num_seqs=100, num_queries=60, block_size=4, semantics="ascend", **arrays)
    assert np.array_equal(arrays["slot_mapping"], read("expected", "slotMapping"))
    assert np.array_equal(arrays["input_tokens"], read("expected", "inputTokens"))


def test_explain_prints_identical_verdicts_once(tmp_path, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk_aclnnAdvanceStep.json", cases=1)
    gold = tmp_path / "gold"
    assert cli_main.main(["golden", case_file, "--out", str(gold), "--count", "5"]) == 0
    capsys.readouterr()
    assert cli_main.main(["explain", str(gold), str(gold)]) == 0
    out = capsys.readouterr().out
    assert out.count("1. vllm") == 1, out
    assert ("5 cases with the same verdict: aclnnAdvanceStep_0000_0000, aclnnAdvanceStep_0000_0001, "
            "aclnnAdvanceStep_0000_0002 and 2 more") in out


def test_ascend_cores_without_ascend_names_the_verb(tmp_path, capsys) -> None:
    try:
        cli_main.main(["run", "--ascend-cores", "40"])
    except SystemExit as exit_:
        assert exit_.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "run: --ascend-cores needs --semantics ascend" in err, err
