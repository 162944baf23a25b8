"""The command's prepare-step case kinds ("op": "prepare_inputs", ...; prepare_step.md): golden writes the
spec's worked examples value for value from the shipped case file, check names a differing element with its
row, state row, token and formula, explain accounts for any element and names a data fault's class, and
golden folders read back with their settings and dtypes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import cli_fixtures
from advstep.cli import tensor_files
from advstep.cli.prepare_case import PrepareCase
from cli_sandbox import advstep

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases" / "prepare_step.json"


def example_cases() -> list[dict]:
    return json.loads(EXAMPLES.read_text())["cases"]


def case(name: str, **changes) -> dict:
    """A copy of the shipped example ``name`` with ``changes`` (a tensor change replaces that tensor)."""
    entry = json.loads(json.dumps(next(c for c in example_cases() if c["name"] == name)))
    for key, value in changes.items():
        if key in entry["tensors"] or key == "tensor":
            entry["tensors"].update(value if key == "tensor" else {key: value})
        else:
            entry[key] = value
    return entry


@pytest.fixture
def gold(tmp_path, capsys) -> Path:
    assert advstep("golden", EXAMPLES, "--out", tmp_path / "gold") == 0
    assert "golden: 3 cases written" in capsys.readouterr().out
    return tmp_path / "gold"


def expected(folder: Path, name: str) -> list[int]:
    return np.load(folder / "expected" / f"{name}.npy").reshape(-1).tolist()


def test_golden_writes_example_1_and_its_v1_tails_as_the_spec_gives(gold) -> None:
    ex1 = gold / "ex1_cuda_graph_padding"
    assert expected(ex1, "positions") == [6, 9, 3, 7, 7, 7, 7, 7]
    assert expected(ex1, "seq_lens") == [7, 10, 4, 0, 0, 0]
    assert expected(ex1, "input_ids") == [104, 101, 102, 7, 7, 7, 7, 7]
    assert expected(ex1, "slot_mapping") == [86, 49, 23, -1, -1, -1, -1, -1]
    assert expected(ex1, "logits_indices") == [0, 1, 2]
    tails = gold / "ex1_with_advance_step_v1_tails"
    assert expected(tails, "positions") == [6, 9, 3, 0, 0, 0, 0, 0]
    assert expected(tails, "input_ids") == [104, 101, 102, 0, 0, 0, 0, 0]
    assert expected(tails, "seq_lens") == [7, 10, 4, 5, 5, 5]


def test_golden_writes_example_2_as_the_spec_gives(gold) -> None:
    ex2 = gold / "ex2_ragged_batch_with_drafts"
    assert expected(ex2, "positions") == [4, 5, 6, 7, 8, 7, 8, 9, 12, 13, -9, -9]
    assert expected(ex2, "seq_lens") == [9, 10, 14, 0]
    assert expected(ex2, "input_ids") == [55] * 5 + [300, 301, 302, 200, 201, -9, -9]
    assert expected(ex2, "slot_mapping") == [12, 13, 14, 15, 16, 39, 44, 45, 32, 33, -1, -1]
    assert expected(ex2, "logits_indices") == [4, 5, 6, 7, 8, 9]


def test_a_golden_reads_back_with_its_settings_and_dtypes(gold, capsys) -> None:
    stored = {item.case.name: item for item in tensor_files.read_cases(str(gold))}
    tails = stored["ex1_with_advance_step_v1_tails"].case
    assert isinstance(tails, PrepareCase) and tails.op == "prepare_inputs"
    assert tails.settings["seq_lens_tail"] == "keep" and tails.settings["token_tail"] == "zero"
    assert tails.settings["block_size"] == [4] and tails.groups == 1
    assert tails.dtype("query_start_loc") == "int32" and tails.dtype("idx_mapping") == "int64"
    manifest = json.loads((gold / "ex1_cuda_graph_padding" / "manifest.json").read_text())
    assert manifest["api"] == "prepare_inputs" and manifest["blockBound"] == "row"
    assert advstep("check", gold, gold) == 0
    assert "check: all 3 cases match (5 tensors each)" in capsys.readouterr().out
    assert advstep("run", gold) == 0
    assert "verified: every output of 3 cases matches" in capsys.readouterr().out


def plant(folder: Path, name: str, index: int, value: int) -> None:
    """Sets one element of an expected tensor, in both of its files."""
    values = np.load(folder / f"{name}.npy")
    values.reshape(-1)[index] = value
    for ext in (".npy", ".bin"):
        (folder / f"{name}{ext}").unlink()
    np.save(folder / f"{name}.npy", values)
    values.astype("<i8").tofile(folder / f"{name}.bin")


def test_check_names_the_element_its_row_token_and_formula(gold, tmp_path, capsys) -> None:
    observed = tmp_path / "observed"
    shutil.copytree(gold, observed)
    plant(observed / "ex2_ragged_batch_with_drafts" / "expected", "slot_mapping", 6, 99)
    assert advstep("check", gold, observed) == 1
    out = capsys.readouterr().out
    assert "slot_mapping: 1 of 12 elements differ" in out
    assert ("element 6: expected 44, got 99; row b = 1 (idx_mapping[1] = state row r = 3), token t = 6 (j = 1), "
            "group g = 0: P = num_computed_tokens[3] + j = 7 + 1 = 8; block_tables[0][3, P // B = 8 // 4 = 2] = 11, "
            "slot = 11 * 4 + 8 % 4 = 44") in out
    assert "check: 1 of 3 cases differs" in out


def test_explain_accounts_for_any_element_and_a_difference(gold, tmp_path, capsys) -> None:
    observed = tmp_path / "observed"
    shutil.copytree(gold, observed)
    plant(observed / "ex2_ragged_batch_with_drafts" / "expected", "input_ids", 5, 1)
    status = advstep("explain", gold, observed, "--element", "input_ids[1]", "--element", "slot_mapping[0, 0]",
                     "--element", "logits_indices[2]")
    out = capsys.readouterr().out
    assert status == 1
    assert "input_ids[5]: predicted 300, observed 1; row b = 1 (idx_mapping[1] = state row r = 3), token t = 5" in out
    assert "the bonus token at qe - NL = 5: last_sampled_tokens[3] = 300" in out
    # Row 0 of Ex 2 is a prefill chunk: its tokens are the engine's.
    assert "input_ids[1] = 55 observed: row b = 0 (idx_mapping[0] = state row r = 1), token t = 1 (j = 1): " \
           "a prefill row (seq_lens 9 <= prefill_len[1] = 10)" in out
    assert "slot_mapping[0] = 86 observed: row b = 0 (idx_mapping[0] = state row r = 4)" in out
    assert "block_tables[0][4, P // B = 6 // 4 = 1] = 21, slot = 21 * 4 + 6 % 4 = 86" in out
    assert "logits_indices[cu[1] + k = 1 + 1] = qe - NL + k = 8 - 3 + 1 = 6" in out
    assert "explain: a case is not reproduced by the library" in out


def test_a_faulting_case_is_golden_inputs_only_and_explain_names_its_class(tmp_path, capsys) -> None:
    # State row 6 of a six-row state: F1.
    path = cli_fixtures.own(tmp_path / "f1.json", [case("ex1_cuda_graph_padding", idx_mapping={"values": [4, 6, 2]})])
    assert advstep("golden", path, "--out", tmp_path / "gold") == 0
    assert "1 with an expected data fault" in capsys.readouterr().out
    folder = tmp_path / "gold" / "ex1_cuda_graph_padding"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "F1" in manifest["fault"] and "expected" not in manifest
    assert advstep("check", folder, folder / "inputs") == 0
    capsys.readouterr()
    assert advstep("explain", folder, folder / "inputs", "--element", "positions[1]") == 0
    out = capsys.readouterr().out
    assert "the library finds a data fault, F1: a state row index outside [0, Rmax)" in out
    assert "b = 1" in out and "reproduces all 5 tensors (its inputs unchanged: a fault writes nothing)" in out


def test_two_groups_and_dcp_are_computed_and_explained(tmp_path, capsys) -> None:
    entry = {"name": "dcp", "op": "prepare_inputs", "block_size": [2, 4], "cp_size": 2, "cp_rank": 1,
             "cp_interleave": 2, "tensors": {
                 "idx_mapping": {"values": [0]}, "query_start_loc": {"values": [0, 6]},
                 "num_computed_tokens": {"values": [0]},
                 "block_tables": [{"values": [[10, 11]]}, {"values": [[3, 4]], "dtype": "int32"}],
                 "positions": {"shape": [6]}, "seq_lens": {"shape": [1]}, "slot_mapping": {"shape": [2, 6]},
                 "dcp_local_seq_lens": {"shape": [1], "dtype": "int32"}}}
    path = cli_fixtures.own(tmp_path / "dcp.json", [entry])
    assert advstep("golden", path, "--out", tmp_path / "gold") == 0
    folder = tmp_path / "gold" / "dcp"
    # Ex 4 with I = 2 in group 0; group 1 (B = 4, V = 8) holds tokens 2, 3 of rank 1 at block 3.
    assert expected(folder, "slot_mapping") == [-1, -1, 20, 21, -1, -1, -1, -1, 12, 13, -1, -1]
    assert expected(folder, "dcp_local_seq_lens") == [2]
    capsys.readouterr()
    assert advstep("explain", folder, folder, "--element", "slot_mapping[1, 2]", "--element", "slot_mapping[4]") == 0
    out = capsys.readouterr().out
    assert "local (cp 2, rank 1, I 2): block_tables[1][0, P // (B * cp) = 0] = 3, slot = 3 * 4 + 0 = 12" in out
    assert "mod cp = 0 != cp_rank 1: another rank's token, slot -1" in out


def test_drawn_values_are_seeded(tmp_path, capsys) -> None:
    entry = case("ex1_cuda_graph_padding", tensor={"num_computed_tokens": {"shape": [6], "range": [0, 11]}})
    path = cli_fixtures.own(tmp_path / "drawn.json", [entry])
    assert advstep("golden", path, "--out", tmp_path / "a", "--seed", 5, "--count", 3) == 0
    assert advstep("golden", path, "--out", tmp_path / "b", "--seed", 5, "--count", 3) == 0
    for k in range(3):
        name = f"ex1_cuda_graph_padding_{k:04d}"
        assert (np.load(tmp_path / "a" / name / "inputs" / "num_computed_tokens.npy").tolist()
                == np.load(tmp_path / "b" / name / "inputs" / "num_computed_tokens.npy").tolist())
    assert advstep("check", tmp_path / "a", tmp_path / "b") == 0


def entry_of(name: str, arrays: dict) -> dict:
    """A case file entry of a random prepare_inputs call (test_prepare_inputs.random_case)."""
    from prepare_step_arrays import Array

    def tensor(a: Array) -> dict:
        return {"values": list(a.storage), "shape": list(a.shape), "dtype": a.dtype}

    entry: dict = {"name": name, "op": "prepare_inputs", "tensors": {}}
    for key, value in arrays.items():
        if key == "block_tables":
            entry["tensors"][key] = [tensor(t) for t in (value if isinstance(value, list) else [value])]
        elif isinstance(value, Array):
            entry["tensors"][key] = tensor(value)
        else:
            entry[key] = value
    return entry


def test_random_cases_agree_with_the_row_formulas_through_every_verb(tmp_path, capsys) -> None:
    """golden recomputes each case's outputs from the row formulas (prepare_terms.py) and writes nothing
    where the library differs; over seeded random calls (DCP, two groups, tails, drafts, faults planted)
    the two agree, and explain then reproduces every case."""
    import random

    from test_prepare_inputs import plant_fault, random_case

    entries = []
    for seed in range(80):
        rng = random.Random(seed)
        arrays = random_case(rng)
        if seed % 4 == 0:
            plant_fault(rng, arrays)
        entries.append(entry_of(f"r{seed}", arrays))
    path = cli_fixtures.own(tmp_path / "random.json", entries)
    status = advstep("golden", path, "--out", tmp_path / "gold")
    out = capsys.readouterr()
    assert status == 0, out
    assert "golden: 80 cases written" in out.out and "with an expected data fault" in out.out
    written = [f"r{seed}" for seed in range(80)
               if "expected" in json.loads((tmp_path / "gold" / f"r{seed}" / "manifest.json").read_text())]
    assert len(written) > 40
    for name in written[::4]:
        assert advstep("explain", tmp_path / "gold" / name, tmp_path / "gold" / name) == 0
        assert "explain: every case is reproduced by the library" in capsys.readouterr().out


def test_golden_writes_nothing_where_the_library_and_the_formulas_differ(tmp_path, capsys, monkeypatch) -> None:
    from advstep.cli import library

    computed = library.compute

    def off_by_one(case, semantics, device):
        outputs = computed(case, semantics, device)
        outputs["seq_lens"].reshape(-1)[1] += 1
        return outputs

    monkeypatch.setattr(library, "compute", off_by_one)
    assert advstep("golden", EXAMPLES, "--out", tmp_path / "gold") == 1
    out = capsys.readouterr().out
    assert ("case ex1_cuda_graph_padding: the library and the reference disagree, nothing written for it: seq_lens: "
            "1 of 6 elements differ, first at seq_lens[1]: row formulas 10, library 11") in out
    assert not (tmp_path / "gold").exists()
