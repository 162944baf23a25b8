"""Data faults F1-F8 of spec prepare_step.md section 4 through the prepare-step oracle: each class refused,
named with its b, r and t, and nothing written; the order of 10.6 when a call holds several."""

from __future__ import annotations

import pytest

from prepare_step_arrays import Array, array, full
from prepare_step_oracle import Fault, advance_drafts, post_update, prepare_inputs
from test_prepare_step_oracle import example_2_batch, example_2_state, example_3_buffers, EX3_COMMON


def _arrays(kwargs: dict) -> list[Array]:
    found = []
    for value in kwargs.values():
        found += [v for v in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(v, Array)]
    return found


def refused(operation, kwargs: dict, fault: str, b=None, r=None, t=None) -> Fault:
    """Runs ``operation``; it must raise ``fault`` at (b, r, t) and leave every tensor as it was."""
    arrays = _arrays(kwargs)
    before = [a.flat() for a in arrays]
    with pytest.raises(Fault) as caught:
        operation(**kwargs)
    assert (caught.value.fault, caught.value.b, caught.value.r, caught.value.t) == (fault, b, r, t), str(caught.value)
    assert [a.flat() for a in arrays] == before, "a refused call wrote"
    return caught.value


def prepare(**changes) -> dict:
    """Ex 2's prepare_inputs call (valid as it stands), with ``changes``."""
    return {**example_2_state(), **example_2_batch(), "block_size": 4, **changes}


def eagle(**changes) -> dict:
    """Ex 3's first EAGLE step, with ``changes``."""
    return {**EX3_COMMON, **example_3_buffers(), "tokens": array([500, 600]), "pos_in": array([11, 7]),
            "seq_base": array([12, 9], "int32"), "seq_sub": array([0, 1], "int32"), "rewrite_query_start_loc": True,
            **changes}


def v2_step(**changes) -> dict:
    """Ex 5's V2 step as advance_drafts, with ``changes``."""
    return {"idx_mapping": array([0, 1]), "query_start_loc": array([0, 2, 4]), "block_size": 4,
            "block_tables": array([[1, 2], [3, 4]]), "delta": array([1, 2]), "input_ids": full(4, 7),
            "sampled_token_ids": array([[7, -1], [8, 9]]), "draft_tokens": array([[70], [90]]),
            "positions": array([5, 6, 2, 3]), "slot_mapping": full(4, 7), **changes}


def update(**changes) -> dict:
    """Ex 2's post_update call, with ``changes``."""
    state = example_2_state()
    return {"idx_mapping": array([1, 3, 0]), "num_computed_tokens": state["num_computed_tokens"],
            "last_sampled_tokens": state["last_sampled_tokens"], "sampled_tokens": array([[7, 7], [301, 350],
                                                                                         [201, 260]]),
            "num_sampled": array([0, 2, 2], "int32"), "num_rejected": array([0, 1, 0], "int32"),
            "query_start_loc": array([0, 5, 8, 10], "int32"), **changes}


def test_the_bases_are_valid() -> None:
    prepare_inputs(**prepare())
    advance_drafts(**eagle())
    advance_drafts(**v2_step())
    post_update(**update())


def test_f1_row_outside_the_state() -> None:
    refused(prepare_inputs, prepare(idx_mapping=array([1, 3, 4])), "F1", b=2, r=4)
    refused(prepare_inputs, prepare(idx_mapping=array([1, -1, 0])), "F1", b=1, r=-1)
    refused(advance_drafts, eagle(idx_mapping=array([2, 3])), "F1", b=1, r=3)


def test_f1_post_update_refuses_a_row_updated_twice_and_skips_masked_rows() -> None:
    refused(post_update, update(idx_mapping=array([1, 3, 1])), "F1", b=2, r=1)
    call = update(idx_mapping=array([-1, 3, 0]), num_sampled=array([99, 2, 2], "int32"))  # row 0 never validated
    post_update(**call)
    assert call["num_computed_tokens"].flat() == [14, 4, 0, 9]


def test_f1_allows_a_repeated_row_where_state_is_only_read() -> None:
    call = prepare(idx_mapping=array([3, 3, 0]), input_ids=None, cu_num_logits=None, logits_indices=None)
    prepare_inputs(**call)
    assert call["seq_lens"].flat() == [12, 10, 14, 0]


def test_f2_query_start_loc() -> None:
    refused(prepare_inputs, prepare(query_start_loc=array([1, 5, 8, 10], "int32")), "F2", b=0)
    refused(prepare_inputs, prepare(query_start_loc=array([0, 5, 4, 10], "int32")), "F2", b=1)
    refused(prepare_inputs, prepare(query_start_loc=array([0, 5, 8, 13], "int32")), "F2", b=3)
    refused(post_update, update(query_start_loc=array([0, 5, 3, 10], "int32")), "F2", b=1)


def test_f3_negative_state_and_positions() -> None:
    state = example_2_state()
    state["num_computed_tokens"] = array([12, 4, 0, -1], "int32")
    refused(prepare_inputs, prepare(**state), "F3", b=1, r=3)
    refused(advance_drafts, eagle(pos_in=array([-5, 7])), "F3", b=0, r=2, t=0)
    refused(advance_drafts, eagle(seq_sub=array([0, 10], "int32")), "F3", b=1, r=0)
    refused(advance_drafts, eagle(seq_base=array([13, 9], "int32")), "F3", b=0, r=2)  # above seq_cap = 12


def test_f4_logits_and_drafts() -> None:
    refused(prepare_inputs, prepare(cu_num_logits=array([0, 1, 5, 6], "int32")), "F4", b=1, r=3)  # NL 4 > L 3
    refused(prepare_inputs, prepare(cu_num_logits=array([0, 0, 3, 5], "int32")), "F4", b=0, r=1)  # NL 0 < nb
    refused(prepare_inputs, prepare(cu_num_logits=array([1, 1, 4, 6], "int32")), "F4", b=0)
    refused(prepare_inputs, prepare(logits_indices=full(5, 7)), "F4", b=3)  # cu[R] = 6 > 5
    narrow = example_2_state()["draft_tokens"].view(0, (4, 1), (2, 1))  # S = 1 < D = 2 of row 1
    refused(prepare_inputs, prepare(draft_tokens=narrow), "F4", b=1, r=3)
    refused(advance_drafts, v2_step(draft_tokens=None), "F4", b=0, r=0)  # L - 1 = 1 > S = 0
    refused(advance_drafts, v2_step(on_cap="pad", pos_cap=100), "F4", b=0, r=0)  # pad needs one-token rows


def test_f4_token_rules_need_input_ids() -> None:
    """10.7: without input_ids the drafts are neither read nor checked (D = 2 > S = 0 is no fault)."""
    call = prepare(input_ids=None, draft_tokens=None)
    prepare_inputs(**call)
    assert call["logits_indices"].flat() == [4, 5, 6, 7, 8, 9]


def test_f5_block_index_and_block_id() -> None:
    state = example_2_state()
    state["num_computed_tokens"] = array([15, 4, 0, 7], "int32")  # row 2 reaches position 16: column 4 of W = 4
    refused(prepare_inputs, prepare(**state), "F5", b=2, r=0, t=9)
    table_bound = prepare(**state, bound="table")  # column 4 of row 0 is entry 4 of 16: row 1's first block
    prepare_inputs(**table_bound)
    assert table_bound["slot_mapping"].flat()[8:10] == [8 * 4 + 3, 2 * 4 + 0]
    state = example_2_state()
    state["block_tables"] = array([[1, 5, 6, 8], [2, 3, 4, 0], [0, 0, 0, 0], [7, -9, 11, 0]], "int32")
    refused(prepare_inputs, prepare(**state), "F5", b=1, r=3, t=5)
    state["num_computed_tokens"] = array([12, 4, 0, 14], "int32")  # row 1 reaches 16
    state["block_tables"] = array([[1, 5, 6, 8], [2, 3, 4, 0], [0, 0, 0, 0], [7, 9, 11, 0]], "int32")
    refused(prepare_inputs, prepare(**state, bound="table"), "F5", b=1, r=3, t=7)  # entry 3 * 4 + 4 = 16


def test_f5_is_checked_for_tokens_another_dcp_rank_keeps() -> None:
    call = dict(idx_mapping=array([0]), query_start_loc=array([0, 6]), num_computed_tokens=array([0]),
                block_tables=array([[10, 11]]), block_size=2, cp_size=2, cp_rank=1, positions=full(7, 7),
                seq_lens=full(1, 7), slot_mapping=full(7, 7))
    call["query_start_loc"] = array([0, 7])  # positions 0..6: block indices P // (B * cp) = 0..1 < W = 2
    prepare_inputs(**call)
    call["num_computed_tokens"] = array([2])  # position 8, kept by rank 0, has block index 2 >= W = 2
    refused(prepare_inputs, call, "F5", b=0, r=0, t=6)


def test_f6_results_that_do_not_fit() -> None:
    huge_block = dict(idx_mapping=array([0]), query_start_loc=array([0, 1]), num_computed_tokens=array([3]),
                      block_tables=array([[2**27]], "int32"), block_size=16, positions=full(1, 7),
                      seq_lens=full(1, 7))
    refused(prepare_inputs, {**huge_block, "slot_mapping": full(1, 7, "int32")}, "F6", b=0, r=0, t=0)
    state = example_2_state()
    state["last_sampled_tokens"] = array([200, 0, 0, 2**40])
    refused(prepare_inputs, prepare(**state), "F6", b=1, r=3, t=5)  # a token into int32 input_ids
    state = example_2_state()
    state["num_computed_tokens"] = array([12, 4, 0, 2**31 - 2], "int32")
    refused(prepare_inputs, prepare(**state), "F6", b=1, r=3)  # seq_lens 2**31 + 1 into int32
    refused(post_update, update(num_computed_tokens=array([12, 4, 0, 2**31 - 2], "int32")), "F6", b=1, r=3)


def test_f7_sampled_row_starting_with_minus_one() -> None:
    refused(advance_drafts, v2_step(sampled_token_ids=array([[7, -1], [-1, 9]])), "F7", b=1, r=1)


def test_f8_post_update_counts_and_history() -> None:
    refused(post_update, update(num_sampled=array([0, 3, 2], "int32")), "F8", b=1, r=3)  # n > K = 2
    refused(post_update, update(num_rejected=array([0, 4, 0], "int32")), "F8", b=1, r=3)  # rho > L = 3
    refused(post_update, update(query_start_loc=None), "F8", b=1, r=3)  # rho = 1 without qsl
    history = dict(total_len=array([3, 0, 0, 9], "int32"), all_token_ids=full((4, 10), 0, "int32"))
    refused(post_update, update(**history), "F8", b=1, r=3)  # [9, 11) past width 10
    history = dict(total_len=array([3, 0, 0, 8], "int32"), all_token_ids=full((4, 10), 0, "int32"))
    call = update(**history)
    post_update(**call)
    assert call["total_len"].flat() == [5, 0, 0, 10]
    assert call["all_token_ids"].tolist()[3][8:] == [301, 350] and call["all_token_ids"].tolist()[0][3:5] == [201, 260]


def test_the_first_fault_in_spec_order_is_reported() -> None:
    """10.6: global checks first, then rows in increasing b, and within a row the classes in order."""
    state = example_2_state()
    state["num_computed_tokens"] = array([15, 4, 0, -1], "int32")  # F3 in row 1, F5 in row 2
    refused(prepare_inputs, prepare(**state, idx_mapping=array([1, 3, 0])), "F3", b=1, r=3)
    refused(prepare_inputs, prepare(**state, idx_mapping=array([1, 0, 9])), "F5", b=1, r=0, t=6)
    refused(prepare_inputs, prepare(**state, query_start_loc=array([0, 5, 8, 13], "int32")), "F2", b=3)
    refused(prepare_inputs, prepare(**state, idx_mapping=array([1, 9, 0])), "F1", b=1, r=9)


def test_a_fault_names_the_operation_and_its_values() -> None:
    fault = refused(prepare_inputs, prepare(idx_mapping=array([1, 3, 4])), "F1", b=2, r=4)
    assert fault.operation == "prepare_inputs" and fault.values["Rmax"] == 4
    assert "prepare_inputs: F1" in str(fault) and "b = 2" in str(fault) and "r = 4" in str(fault)
