"""Argument errors of spec prepare_step.md section 4 (and 10) through the prepare-step oracle: each class with
its C status, the parameter named, the classes in order, and nothing written."""

from __future__ import annotations

import pytest

from prepare_step_arrays import array, full
from prepare_step_checks import STATUS
from prepare_step_oracle import ArgumentError, advance_drafts, post_update, prepare_inputs
from test_prepare_step_faults import _arrays, eagle, prepare, update, v2_step


def rejected(operation, kwargs: dict, check: int, name: str) -> ArgumentError:
    arrays = _arrays(kwargs)
    before = [a.flat() for a in arrays]
    with pytest.raises(ArgumentError) as caught:
        operation(**kwargs)
    error = caught.value
    assert (error.check, error.name) == (check, name), str(error)
    assert error.status == {1: 161001, 2: 161002, 3: 561002, 4: 561002, 5: 161002}[check]
    assert [a.flat() for a in arrays] == before
    return error


def test_status_per_class() -> None:
    assert STATUS == {1: 161001, 2: 161002, 3: 561002, 4: 561002, 5: 161002}


@pytest.mark.parametrize("operation, call, name", [
    (prepare_inputs, lambda: prepare(positions=None), "positions"),
    (prepare_inputs, lambda: prepare(block_size=None), "block_size"),
    (prepare_inputs, lambda: prepare(block_tables=[]), "block_tables"),
    (prepare_inputs, lambda: prepare(cu_num_logits=None), "cu_num_logits"),  # logits_indices needs it
    (prepare_inputs, lambda: prepare(last_sampled_tokens=None), "last_sampled_tokens"),  # input_ids, nb = 1
    (advance_drafts, lambda: eagle(delta=None), "delta"),
    (advance_drafts, lambda: eagle(tokens=None), "tokens"),  # neither tokens nor sampled_token_ids
    (advance_drafts, lambda: eagle(sampled_token_ids=array([[1], [2]])), "tokens"),  # both
    (advance_drafts, lambda: eagle(on_cap="pad", pos_cap=None), "pos_cap"),
    (post_update, lambda: update(num_rejected=None), "num_rejected"),
    (post_update, lambda: update(total_len=array([0, 0, 0, 0])), "all_token_ids"),
    (post_update, lambda: update(all_token_ids=full((4, 3), 0)), "total_len"),
])
def test_class_1_missing_tensors(operation, call, name: str) -> None:
    rejected(operation, call(), 1, name)


def test_class_1_absent_drafts_are_never_an_argument_error() -> None:
    """10.2: no draft_tokens means S = 0; a row wanting drafts is the data fault F4."""
    from prepare_step_oracle import Fault

    with pytest.raises(Fault):
        prepare_inputs(**prepare(draft_tokens=None))


def test_class_1_without_input_ids_no_token_state_is_needed() -> None:
    prepare_inputs(**prepare(input_ids=None, last_sampled_tokens=None))
    prepare_inputs(**prepare(num_bonus=0, last_sampled_tokens=None, cu_num_logits=array([0, 0, 2, 3], "int32"),
                             logits_indices=full(3, 7)))


@pytest.mark.parametrize("operation, call, name", [
    (prepare_inputs, lambda: prepare(positions=full(12, 0, "float32")), "positions"),
    (prepare_inputs, lambda: prepare(block_tables=array([[0]], "int16")), "block_tables"),
    (advance_drafts, lambda: eagle(delta=full(2, 1, "uint8")), "delta"),
    (post_update, lambda: update(num_sampled=full(3, 0, "bool")), "num_sampled"),
])
def test_class_2_dtypes(operation, call, name: str) -> None:
    rejected(operation, call(), 2, name)


@pytest.mark.parametrize("operation, call, name", [
    (prepare_inputs, lambda: prepare(idx_mapping=array([[1, 3, 0]])), "idx_mapping"),
    (prepare_inputs, lambda: prepare(query_start_loc=array([0, 5, 8], "int32")), "query_start_loc"),
    (prepare_inputs, lambda: prepare(input_ids=full(11, 0, "int32")), "input_ids"),
    (prepare_inputs, lambda: prepare(slot_mapping=full((2, 12), 0)), "slot_mapping"),
    (prepare_inputs, lambda: prepare(seq_lens=full(2, 0, "int32")), "seq_lens"),
    (prepare_inputs, lambda: prepare(dcp_local_seq_lens=full(3, 0)), "dcp_local_seq_lens"),
    (prepare_inputs, lambda: prepare(cu_num_logits=array([0, 1, 4], "int32")), "cu_num_logits"),
    (prepare_inputs, lambda: prepare(draft_tokens=full(4, 0)), "draft_tokens"),
    (prepare_inputs, lambda: prepare(last_sampled_tokens=full((4, 2), 0)), "last_sampled_tokens"),
    (prepare_inputs, lambda: prepare(block_tables=full(16, 0)), "block_tables"),
    (advance_drafts, lambda: eagle(tokens=array([500])), "tokens"),
    (advance_drafts, lambda: eagle(rewrite_query_start_loc=False, pos_in=array([11, 7])), "pos_in"),
    (advance_drafts, lambda: v2_step(sampled_token_ids=full((2, 0), 0)), "sampled_token_ids"),
    (post_update, lambda: update(sampled_tokens=full((2, 2), 0)), "sampled_tokens"),
    (post_update, lambda: update(all_token_ids=full(4, 0), total_len=full(4, 0)), "all_token_ids"),
])
def test_class_3_shapes(operation, call, name: str) -> None:
    rejected(operation, call(), 3, name)


def test_class_3_one_group_takes_m_or_one_by_m_and_per_row_inputs_may_be_longer() -> None:
    """10.4 and 10.3: slot_mapping [1, M] for a bare table; padded per-row inputs and state read in part."""
    call = prepare(slot_mapping=full((1, 12), 7), cu_num_logits=array([0, 1, 4, 6, 6, 6], "int32"))
    prepare_inputs(**call)
    assert call["slot_mapping"].flat() == [12, 13, 14, 15, 16, 39, 44, 45, 32, 33, -1, -1]
    two = prepare(block_tables=[example_table(), example_table()], block_size=[4, 8], slot_mapping=full((2, 12), 7))
    prepare_inputs(**two)
    assert two["slot_mapping"].tolist()[0] == call["slot_mapping"].flat()
    assert two["slot_mapping"].tolist()[1][:5] == [20, 21, 22, 23, 24]  # positions 4..8 of r1 with B = 8


def example_table():
    return array([[1, 5, 6, 8], [2, 3, 4, 0], [0, 0, 0, 0], [7, 9, 11, 0]], "int32")


@pytest.mark.parametrize("operation, call, name", [
    (prepare_inputs, lambda: prepare(block_size=0), "block_size"),
    (prepare_inputs, lambda: prepare(block_size=[4, 4]), "block_size"),  # one size per table
    (prepare_inputs, lambda: prepare(num_bonus=2), "num_bonus"),
    (prepare_inputs, lambda: prepare(cp_size=2, cp_rank=2), "cp_rank"),
    (prepare_inputs, lambda: prepare(cp_interleave=0), "cp_interleave"),
    (prepare_inputs, lambda: prepare(cp_size=2, cp_interleave=3), "cp_interleave"),  # B = 4 % 3 != 0
    (prepare_inputs, lambda: prepare(cp_size=2, cp_interleave=8), "cp_interleave"),  # I > B
    (prepare_inputs, lambda: prepare(bound="rows"), "bound"),
    (prepare_inputs, lambda: prepare(token_tail="pad"), "token_tail"),
    (advance_drafts, lambda: eagle(pos_cap=-1), "pos_cap"),
    (advance_drafts, lambda: eagle(seq_cap=0), "seq_cap"),
    (advance_drafts, lambda: eagle(on_cap="wrap"), "on_cap"),
    (advance_drafts, lambda: eagle(delta=True), "delta"),
])
def test_class_4_scalars(operation, call, name: str) -> None:
    rejected(operation, call(), 4, name)


def test_class_5_memory() -> None:
    batch = prepare()
    strided = full(24, 7)
    rejected(prepare_inputs, prepare(positions=strided.view(0, (12,), (2,))), 5, "positions")
    rejected(prepare_inputs, {**batch, "seq_lens": batch["num_computed_tokens"]}, 5, "seq_lens")
    shared = full(24, 7)
    rejected(prepare_inputs, prepare(positions=shared.rows(0, 12), slot_mapping=shared.rows(6, 18)), 5,
             "positions")
    shared = array([5, 6, 2, 3, 0])
    rejected(advance_drafts, v2_step(positions=shared.rows(0, 4), pos_in=shared.rows(1, 5)), 5, "positions")


def test_class_5_allows_the_in_place_pairs_and_input_views() -> None:
    """3.2: pos_in may be positions and seq_base seq_lens; 10.3: inputs may be strided views."""
    call = v2_step()
    advance_drafts(**call, pos_in=call["positions"])
    assert call["positions"].flat() == [6, 7, 4, 5]
    drafts = array([[500, 501], [600, 601]])
    call = eagle(tokens=drafts.column(0))
    advance_drafts(**call)
    assert call["input_ids"].flat()[:2] == [500, 600]


def test_the_classes_run_in_order() -> None:
    rejected(prepare_inputs, prepare(positions=full(12, 0, "float32"), seq_lens=None), 1, "seq_lens")
    rejected(prepare_inputs, prepare(positions=full(3, 0, "float32")), 2, "positions")
    rejected(prepare_inputs, prepare(positions=full(3, 0), block_size=0), 3, "slot_mapping")
    rejected(prepare_inputs, prepare(block_size=0, seq_lens=prepare()["num_computed_tokens"]), 4, "block_size")
    rejected(prepare_inputs, prepare(query_start_loc=array([0, 5, 8, 99], "int32"), bound="x"), 4, "bound")


def test_a_message_names_parameter_rule_and_value() -> None:
    error = rejected(prepare_inputs, prepare(seq_lens=full(2, 0, "int32")), 3, "seq_lens")
    assert str(error) == "prepare_inputs: seq_lens must be 1-D with at least R = 3 elements (got [2])"


def test_empty_work_writes_only_the_tails() -> None:
    """10.14: R = 0 and M = 0 are valid; only the tails are written."""
    call = dict(idx_mapping=full(0, 0), query_start_loc=array([0]), num_computed_tokens=array([3]),
                block_tables=array([[1]]), block_size=4, positions=full(3, 7), seq_lens=full(2, 7),
                slot_mapping=full(3, 7), token_tail="zero")
    prepare_inputs(**call)
    assert (call["positions"].flat(), call["seq_lens"].flat(), call["slot_mapping"].flat()) == \
        ([0, 0, 0], [0, 0], [-1, -1, -1])
    nothing = dict(call, idx_mapping=array([0]), query_start_loc=array([0, 0]), positions=full(0, 0),
                   slot_mapping=full(0, 0), seq_lens=full(1, 7), input_ids=full(0, 0),
                   last_sampled_tokens=array([5]), num_bonus=0)
    prepare_inputs(**nothing)
    assert nothing["seq_lens"].flat() == [3]
    eagle_call = eagle(idx_mapping=full(0, 0), tokens=full(0, 0), pos_in=full(0, 0), seq_base=None, seq_sub=None)
    advance_drafts(**eagle_call)
    assert eagle_call["query_start_loc"].flat() == [0, 0, 0, 0, 0]
    assert eagle_call["slot_mapping"].flat() == [-1] * 6
