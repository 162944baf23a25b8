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
