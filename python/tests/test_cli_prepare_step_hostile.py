"""Hostile prepare-step case files and golden folders: wrong shapes, huge sizes, bad names, unknown tensors
and settings, mismatched block sizes, tampered manifests. Each gets exit status 2 and one line naming the
file and the field, before anything is allocated or written."""

from __future__ import annotations

import json
import shutil

import pytest

import cli_fixtures
from cli_fixtures import one_line_error
from cli_sandbox import advstep
from test_cli_prepare_step import EXAMPLES, case


def tensors(**changes) -> dict:
    return case("ex1_cuda_graph_padding", tensor=changes)


ADVANCE = json.loads((EXAMPLES.parent / "advance_drafts.json").read_text())["cases"][1]

HOSTILE = [
    # (what, the entry, words the one line must hold)
    ("a wrong shape", tensors(positions={"values": [[7, 7], [7, 7]]}), ["positions"]),
    ("an output of another length", tensors(input_ids={"values": [7, 7, 7]}), ["input_ids"]),
    ("a huge tensor", tensors(positions={"shape": [1 << 40]}), ["ex1_cuda_graph_padding", "memory"]),
    ("a shape past int64 bytes", tensors(positions={"shape": [1 << 62, 4]}), ["positions", "shape"]),
    ("a huge block table", tensors(block_tables=[{"shape": [1 << 20, 1 << 20]}]), ["memory"]),
    ("an unknown operation", {**case("ex1_cuda_graph_padding"), "op": "advance_step_v3"},
     ["cases[0].op", "'advance_step_v3' is not an operation", "prepare_inputs"]),
    ("an operation that is not a string", {**case("ex1_cuda_graph_padding"), "op": ["prepare_inputs"]},
     ["cases[0].op", "is not an operation"]),
    ("a name that leaves the folder", {**case("ex1_cuda_graph_padding"), "name": "../out"}, ["name"]),
    ("an unknown tensor", tensors(pos_in={"values": [1]}), ["pos_in", "not a tensor of prepare_inputs"]),
    ("a missing tensor", {**case("ex1_cuda_graph_padding"),
                          "tensors": {k: v for k, v in case("ex1_cuda_graph_padding")["tensors"].items()
                                      if k != "seq_lens"}}, ["seq_lens", "missing"]),
    ("no block tables", {**case("ex1_cuda_graph_padding"),
                         "tensors": {k: v for k, v in case("ex1_cuda_graph_padding")["tensors"].items()
                                     if k != "block_tables"}}, ["block_tables"]),
    ("seventeen block tables", {**tensors(block_tables=[{"values": [[1]]}] * 17), "block_size": [4] * 16},
     ["block_tables"]),
    ("block sizes for another table count", case("ex1_cuda_graph_padding", block_size=[4, 4]), ["block_size"]),
    ("a setting of another operation", case("ex1_cuda_graph_padding", on_cap="pad"), ["on_cap"]),
    ("an option outside its choices", case("ex1_cuda_graph_padding", bound="rows"), ["bound"]),
    ("a bool scalar", case("ex1_cuda_graph_padding", num_bonus=True), ["num_bonus"]),
    ("a scalar rule", case("ex1_cuda_graph_padding", num_bonus=2), ["num_bonus"]),
    ("a block size below 1", case("ex1_cuda_graph_padding", block_size=0), ["block_size"]),
    ("an int32 value outside int32", tensors(seq_lens={"values": [2**31] * 6, "dtype": "int32"}),
     ["seq_lens", "int32"]),
    ("a float dtype", tensors(seq_lens={"values": [5] * 6, "dtype": "float32"}), ["dtype"]),
    ("a tensor named with a path", tensors(**{"../x": {"values": [1]}}), ["tensors"]),
    ("values that do not fill the shape", tensors(positions={"values": [1, 2], "shape": [3]}), ["positions"]),
    ("ragged values", tensors(positions={"values": [[1], [1, 2]]}), ["positions"]),
    ("a range upside down", tensors(positions={"shape": [8], "range": [5, 1]}), ["positions", "range"]),
    ("delta as a scalar and a tensor", {**ADVANCE, "delta": 1, "tensors": {**ADVANCE["tensors"],
                                                                           "delta": {"values": [1, 1]}}}, ["delta"]),
    ("a number for a flag", {**ADVANCE, "rewrite_query_start_loc": 1}, ["rewrite_query_start_loc"]),
    ("a state tensor advance_drafts does not take", {**ADVANCE, "tensors": {
        **ADVANCE["tensors"], "num_computed_tokens": {"values": [1]}}}, ["num_computed_tokens", "advance_drafts"]),
    ("a post_update without its sampled tokens", {"name": "p", "op": "post_update", "tensors": {
        "idx_mapping": {"values": [0]}, "num_computed_tokens": {"values": [0]},
        "last_sampled_tokens": {"values": [0]}, "num_sampled": {"values": [0]}, "num_rejected": {"values": [0]}}},
     ["sampled_tokens", "missing"]),
    ("block tables on post_update", {"name": "p", "op": "post_update", "tensors": {
        "block_tables": [{"values": [[1]]}]}}, ["block_tables"]),
]


@pytest.mark.parametrize("what, entry, words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_case_file_gets_one_line_and_exit_2(tmp_path, capsys, what, entry, words) -> None:
    path = cli_fixtures.own(tmp_path / "hostile.json", [entry])
    assert advstep("golden", path, "--out", tmp_path / "gold") == 2, what
    one_line_error(capsys, *words)
    assert not (tmp_path / "gold").exists()
    assert advstep("run", path) == 2, what
    one_line_error(capsys, *words)


def test_the_semantics_flags_are_refused_for_a_prepare_step_case(tmp_path, capsys) -> None:
    assert advstep("golden", EXAMPLES, "--out", tmp_path / "gold", "--block-bound", "row") == 2
    one_line_error(capsys, "prepare_inputs", "bound")


@pytest.fixture
def gold(tmp_path, capsys):
    assert advstep("golden", EXAMPLES, "--out", tmp_path / "gold") == 0
    capsys.readouterr()
    return tmp_path / "gold"


def _tamper(folder, change) -> None:
    path = folder / "ex1_cuda_graph_padding" / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


TAMPERED = [
    ("an unknown input", lambda m: m["inputs"].update(pos_in=m["inputs"]["positions"]), ["pos_in"]),
    ("a missing table", lambda m: m["inputs"].pop("block_tables_0"), ["block_tables_0"]),
    ("a float dtype", lambda m: m["inputs"]["positions"].update(dtype="float64"), ["positions", "dtype"]),
    ("a bad option", lambda m: m["attributes"].update(token_tail="drop"), ["token_tail"]),
    ("a stray attribute", lambda m: m["attributes"].update(numSeqs=4), ["numSeqs"]),
    ("block sizes for two tables", lambda m: m["attributes"].update(block_size=[4, 4]), ["block_size"]),
    ("a huge shape", lambda m: m["inputs"]["positions"].update(shape=[1 << 62, 8]), ["positions", "shape"]),
    ("a shape its files do not hold", lambda m: m["inputs"]["positions"].update(shape=[9]), ["positions"]),
]


@pytest.mark.parametrize("what, change, words", TAMPERED, ids=[t[0] for t in TAMPERED])
def test_a_tampered_golden_gets_one_line_and_exit_2(gold, tmp_path, capsys, what, change, words) -> None:
    _tamper(gold, change)
    for verb in (["check", gold, gold], ["explain", gold, gold], ["run", gold]):
        assert advstep(*verb) == 2, (what, verb)
        one_line_error(capsys, *words)


@pytest.mark.parametrize("element", ["positions", "positions[x]", "positions[-1]", "../positions[1]",
                                     "positions[99]", "slot_mapping[1, 2]", "idx_mapping[0]"])
def test_a_bad_element_gets_one_line_and_exit_2(gold, capsys, element) -> None:
    assert advstep("explain", gold, gold, "--element", element) == 2
    one_line_error(capsys, "--element")


def test_an_advance_step_golden_refuses_element(tmp_path, capsys) -> None:
    path = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    assert advstep("golden", path, "--out", tmp_path / "gold") == 0
    capsys.readouterr()
    assert advstep("explain", tmp_path / "gold", tmp_path / "gold", "--element", "seqLens[0]") == 2
    one_line_error(capsys, "--element")
    shutil.rmtree(tmp_path / "gold")
