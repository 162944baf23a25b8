"""The command's own row formulas (cli/prepare_terms.py, which golden checks the library against and explain
prints) give the spec's worked examples for all three operations, from the shipped case files; and once the
library has advance_drafts and post_update, golden writes the same values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import advstep
from advstep.cli import case_files
from advstep.cli.prepare_terms import element_terms, predicted
from cli_sandbox import advstep as command

CASES = Path(__file__).resolve().parents[2] / "examples" / "cases"


def drawn(file: str) -> dict:
    return {spec.name: case_files.generate(spec, 0, k, 0, spec.name)
            for k, spec in enumerate(case_files.load(str(CASES / file)))}


def flat(outputs: dict, name: str) -> list[int]:
    return np.asarray(outputs[name]).reshape(-1).tolist()


EX3 = {
    "ex3_step1": {"positions": [11, 8, 0, 0, 0, 0], "seq_lens": [12, 9, 0, 0], "input_ids": [500, 600, 0, 0, 0, 0],
                  "slot_mapping": [23, 32, -1, -1, -1, -1], "query_start_loc": [0, 1, 2, 2, 2]},
    "ex3_step2": {"positions": [11, 9, 0, 0, 0, 0], "seq_lens": [12, 10, 0, 0], "input_ids": [501, 601, 0, 0, 0, 0],
                  "slot_mapping": [23, 33, -1, -1, -1, -1], "query_start_loc": [0, 1, 2, 2, 2]},
    "ex3_step1_pad": {"positions": [0, 8, 0, 0, 0, 0], "seq_lens": [1, 9, 0, 0],
                      "slot_mapping": [-1, 32, -1, -1, -1, -1]},
}
EX2_POST = {"num_computed_tokens": [14, 9, 0, 9], "last_sampled_tokens": [260, 0, 0, 350]}


@pytest.mark.parametrize("name", sorted(EX3))
def test_the_formulas_give_example_3(name) -> None:
    outputs = predicted(drawn("advance_drafts.json")[name])
    for tensor, values in EX3[name].items():
        assert flat(outputs, tensor) == values, tensor


def test_the_formulas_give_example_2s_update() -> None:
    outputs = predicted(drawn("post_update.json")["ex2_post_update"])
    for tensor, values in EX2_POST.items():
        assert flat(outputs, tensor) == values, tensor


def test_the_accounts_name_the_cap_the_bonus_and_the_state_row() -> None:
    step1 = drawn("advance_drafts.json")["ex3_step1"]
    assert element_terms(step1, "positions", 0) == (
        "row b = 0 (idx_mapping[0] = state row r = 2), token t = 0 (j = 0): positions[0] = P = pos_in[0] + delta_b "
        "= 11 + 1 = 12 > pos_cap 11: clamped to 11")
    assert "seq_base[0] - seq_sub[0] + delta_b = 12 - 0 + 1 = 13, min with seq_cap 12 = 12" in \
        element_terms(step1, "seq_lens", 0)
    assert "the bonus token at qe - NL = 1: tokens[1] = 600" in element_terms(step1, "input_ids", 1)
    assert "query_start_loc[3] = min(i, R) = min(3, 2) = 2 (rewritten)" in element_terms(step1, "query_start_loc", 3)
    pad = drawn("advance_drafts.json")["ex3_step1_pad"]
    assert "padded to 0 (on_cap pad, slot -1)" in element_terms(pad, "slot_mapping", 0)
    assert "the row's token passed pos_cap 11 (on_cap pad): 1" in element_terms(pad, "seq_lens", 0)
    post = drawn("post_update.json")["ex2_post_update"]
    assert element_terms(post, "num_computed_tokens", 3) == (
        "state row r = 3 (idx_mapping[1] = 3, row b = 1): num_computed_tokens[3] + L_b - num_rejected[1] = "
        "7 + 3 - 1 = 9")
    assert "sampled_tokens[2, num_sampled - 1 = 1] = 260" in element_terms(post, "last_sampled_tokens", 0)
    assert "no batch row names it" in element_terms(post, "num_computed_tokens", 2)


@pytest.mark.parametrize("file, expected", [("advance_drafts.json", EX3), ("post_update.json",
                                                                            {"ex2_post_update": EX2_POST})])
def test_golden_writes_the_examples_once_the_library_has_the_operation(tmp_path, capsys, file, expected) -> None:
    op = file.split(".")[0]
    if not hasattr(advstep, op):
        pytest.skip(f"this advstep has no {op} yet")
    assert command("golden", CASES / file, "--out", tmp_path / "gold") == 0, capsys.readouterr()
    for name, tensors in expected.items():
        for tensor, values in tensors.items():
            got = np.load(tmp_path / "gold" / name / "expected" / f"{tensor}.npy").reshape(-1).tolist()
            assert got == values, (name, tensor)
    assert command("check", tmp_path / "gold", tmp_path / "gold") == 0


def random_post_update(rng, name: str) -> dict:
    """A post_update case: distinct state rows (some skipped with -1), n and rho in range, a history now and
    then; now and then one value out of range (a fault the library must find, and golden then keeps)."""
    rows, state, width = rng.randint(0, 5), rng.randint(1, 7), rng.randint(1, 4)
    idx = rng.sample(range(state), min(rows, state)) + [-1] * max(0, rows - state)
    rng.shuffle(idx)
    lengths = [rng.randint(0, 4) for _ in idx]
    qsl = [0]
    for length in lengths:
        qsl.append(qsl[-1] + length)
    sampled = [[rng.randrange(1000) for _ in range(width)] for _ in idx]
    num_sampled = [rng.randint(0, width) for _ in idx]
    num_rejected = [rng.randint(0, length) for length in lengths]
    dtype = lambda: rng.choice(["int32", "int64"])  # noqa: E731
    tensors = {"idx_mapping": {"values": idx, "shape": [len(idx)], "dtype": dtype()},
               "query_start_loc": {"values": qsl, "dtype": dtype()},
               "num_computed_tokens": {"values": [rng.randrange(50) for _ in range(state)], "dtype": dtype()},
               "last_sampled_tokens": {"values": [rng.randrange(1000) for _ in range(state)], "dtype": dtype()},
               "sampled_tokens": {"values": sampled, "shape": [len(idx), width], "dtype": dtype()},
               "num_sampled": {"values": num_sampled, "shape": [len(idx)], "dtype": dtype()},
               "num_rejected": {"values": num_rejected, "shape": [len(idx)], "dtype": dtype()}}
    if rng.random() < 0.5:
        history = rng.randint(width, 12)
        tensors["total_len"] = {"values": [rng.randint(0, history - width) for _ in range(state)], "dtype": dtype()}
        tensors["all_token_ids"] = {"values": [[-1] * history for _ in range(state)], "dtype": dtype()}
    if idx and rng.random() < 0.2:
        tensors[rng.choice(["num_sampled", "num_rejected"])]["values"][0] = rng.choice([-1, 9])
    return {"name": name, "op": "post_update", "tensors": tensors}


def test_random_post_update_cases_agree_with_the_row_formulas(tmp_path, capsys) -> None:
    import random

    import cli_fixtures

    if not hasattr(advstep, "post_update"):
        pytest.skip("this advstep has no post_update yet")
    entries = [random_post_update(random.Random(seed), f"p{seed}") for seed in range(60)]
    path = cli_fixtures.own(tmp_path / "random.json", entries)
    status = command("golden", path, "--out", tmp_path / "gold")
    out = capsys.readouterr()
    assert status == 0, out
    assert "golden: 60 cases written" in out.out and "with an expected data fault" in out.out


def random_advance_drafts(rng, name: str) -> dict:
    """An advance_drafts case: one or two groups, rows of 1 to 1 + S tokens (or rewritten to one), positions
    inside the tables' reach, a cap now and then (clamp, or pad on one-token rows), tokens or a sampled row
    ending in -1s, the length source from seq_lens or seq_base - seq_sub; now and then a row index out of
    range (a fault the library must find)."""
    rows, spec, groups = rng.randint(0, 5), rng.randint(0, 2), rng.choice([1, 1, 2])
    state = rows + rng.randint(1, 2)
    sizes = [rng.choice([1, 2, 4]) for _ in range(groups)]
    width = rng.randint(1, 4)
    reach = min(sizes) * width
    rewrite = rng.random() < 0.4
    lengths = [1 if rewrite else rng.randint(1, 1 + spec) for _ in range(rows)]
    qsl = [0]
    for length in lengths:
        qsl.append(qsl[-1] + length)
    tokens = qsl[-1] + rng.randint(0, 3)
    dtype = lambda: rng.choice(["int32", "int64"])  # noqa: E731
    vector = lambda values: {"values": values, "shape": [len(values)], "dtype": dtype()}  # noqa: E731
    delta = rng.randint(0, 1)
    entry = {"name": name, "op": "advance_drafts", "block_size": sizes, "delta": delta,
             "rewrite_query_start_loc": rewrite, "bound": rng.choice(["row", "table"]),
             "seq_lens_tail": rng.choice(["keep", "zero"])}
    if rng.random() < 0.5:
        entry["pos_cap"] = rng.randint(0, reach - 1)
        entry["on_cap"] = "pad" if all(length == 1 for length in lengths) and rng.random() < 0.5 else "clamp"
    if rng.random() < 0.5:
        entry["seq_cap"] = rng.randint(1, 40)
    t = {"idx_mapping": vector([rng.randrange(state) for _ in range(rows)]),
         "query_start_loc": vector(qsl + [qsl[-1]] * rng.randint(0, 2)),
         "pos_in": vector([rng.randint(0, max(0, reach - 1 - delta)) for _ in range(tokens)]),
         "positions": vector([-5] * tokens), "input_ids": vector([-5] * tokens),
         "slot_mapping": {"values": [-5] * (groups * tokens), "shape": [groups, tokens], "dtype": dtype()},
         "seq_lens": vector([rng.randint(1, 30) for _ in range(rows + rng.randint(0, 2))]),
         "block_tables": [{"values": [[rng.randrange(60) for _ in range(width)] for _ in range(state)],
                           "shape": [state, width], "dtype": dtype()} for _ in range(groups)]}
    if spec:
        t["draft_tokens"] = {"values": [[rng.randrange(1000, 2000) for _ in range(spec)] for _ in range(state)],
                             "shape": [state, spec], "dtype": dtype()}
    if rng.random() < 0.5:
        t["tokens"] = vector([rng.randrange(1000) for _ in range(rows)])
    else:
        width_k = rng.randint(1, 3)
        sampled = [[rng.randrange(1000) if k < rng.randint(1, width_k) else -1 for k in range(width_k)]
                   for _ in range(rows)]
        t["sampled_token_ids"] = {"values": sampled, "shape": [rows, width_k], "dtype": dtype()}
    if rng.random() < 0.5:
        t["seq_base"] = vector([rng.randint(2, 30) for _ in range(rows)])
        t["seq_sub"] = vector([rng.randint(0, 2) for _ in range(rows)])
    if rng.random() < 0.3:
        t["token_seq_lens"] = vector([-5] * tokens)
    if rows and rng.random() < 0.15:
        t["idx_mapping"]["values"][0] = state + 3
    entry["tensors"] = t
    return entry


def test_random_advance_drafts_cases_agree_with_the_row_formulas(tmp_path, capsys) -> None:
    import random

    import cli_fixtures

    if not hasattr(advstep, "advance_drafts"):
        pytest.skip("this advstep has no advance_drafts yet")
    entries = [random_advance_drafts(random.Random(seed), f"a{seed}") for seed in range(80)]
    path = cli_fixtures.own(tmp_path / "random.json", entries)
    status = command("golden", path, "--out", tmp_path / "gold")
    out = capsys.readouterr()
    assert status == 0, out
    assert "golden: 80 cases written" in out.out and "with an expected data fault" in out.out
