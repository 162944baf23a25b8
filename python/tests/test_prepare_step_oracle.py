"""The five worked examples of spec prepare_step.md section 6, value for value, through the prepare-step oracle.

"·" in the spec (not written) is checked too: every buffer starts filled with a marker that must survive.
"""

from __future__ import annotations

import pytest

from oracle import advance_v1, advance_v2
from prepare_step_arrays import array, full
from prepare_step_oracle import advance_drafts, post_update, prepare_inputs, sampler_counts

X = 7  # the marker a buffer is pre-filled with: a "·" of the spec must still read X


def test_example_1_cuda_graph_padding() -> None:
    def run(**options):
        out = dict(positions=full(8, X), seq_lens=full(6, 5, "int32"), input_ids=full(8, X, "int32"),
                   slot_mapping=full(8, X), logits_indices=full(3, X))
        tables = array([[10, 11, 12], [0, 0, 0], [5, 6, 0], [0, 0, 0], [20, 21, 0], [0, 0, 0]], "int32")
        prepare_inputs(idx_mapping=array([4, 0, 2]), query_start_loc=array([0, 1, 2, 3, 3, 3, 3], "int32"),
                       num_computed_tokens=array([9, 0, 3, 0, 6, 0], "int32"),
                       last_sampled_tokens=array([101, 0, 102, 0, 104, 0]), cu_num_logits=array([0, 1, 2, 3], "int32"),
                       block_tables=tables, block_size=4, **out, **options)
        return {k: v.flat() for k, v in out.items()}

    got = run()
    assert got["positions"] == [6, 9, 3, X, X, X, X, X]
    assert got["seq_lens"] == [7, 10, 4, 0, 0, 0]
    assert got["input_ids"] == [104, 101, 102, X, X, X, X, X]
    assert got["slot_mapping"] == [86, 49, 23, -1, -1, -1, -1, -1]
    assert got["logits_indices"] == [0, 1, 2]
    v1_tails = run(seq_lens_tail="keep", token_tail="zero")
    assert v1_tails["positions"] == [6, 9, 3, 0, 0, 0, 0, 0]
    assert v1_tails["input_ids"] == [104, 101, 102, 0, 0, 0, 0, 0]
    assert v1_tails["seq_lens"] == [7, 10, 4, 5, 5, 5]


def example_2_state():
    """Ex 2's state (S = 2, B = 4, W = 4); a "·" draft is a value that must never be read into a token."""
    return dict(num_computed_tokens=array([12, 4, 0, 7], "int32"), prefill_len=array([2, 10, 0, 5], "int32"),
                last_sampled_tokens=array([200, 0, 0, 300]),
                draft_tokens=array([[201, -99], [-99, -99], [-99, -99], [301, 302]]),
                block_tables=array([[1, 5, 6, 8], [2, 3, 4, 0], [0, 0, 0, 0], [7, 9, 11, 0]], "int32"))


PROMPT = [1001, 1002, 1003, 1004, 1005]


def example_2_batch():
    return dict(idx_mapping=array([1, 3, 0]), query_start_loc=array([0, 5, 8, 10], "int32"),
                cu_num_logits=array([0, 1, 4, 6], "int32"), positions=full(12, X), seq_lens=full(4, X, "int32"),
                input_ids=array(PROMPT + [X] * 7, "int32"), slot_mapping=full(12, X), logits_indices=full(6, X))


def test_example_2_ragged_batch_with_drafts_and_a_rejection() -> None:
    state, batch = example_2_state(), example_2_batch()
    prepare_inputs(**state, **batch, block_size=4)
    assert batch["positions"].flat() == [4, 5, 6, 7, 8, 7, 8, 9, 12, 13, X, X]
    assert batch["seq_lens"].flat() == [9, 10, 14, 0]
    assert batch["input_ids"].flat() == PROMPT + [300, 301, 302, 200, 201, X, X]
    assert batch["slot_mapping"].flat() == [12, 13, 14, 15, 16, 39, 44, 45, 32, 33, -1, -1]
    assert batch["logits_indices"].flat() == [4, 5, 6, 7, 8, 9]

    # The sampler's answer, and the (n, rho) an engine derives from it.
    from_sampler = [1, 2, 2]
    seq_lens, cu = batch["seq_lens"].flat(), batch["cu_num_logits"].flat()
    counts = [sampler_counts(seq_len=seq_lens[b], prefill_len=state["prefill_len"][r],
                             num_logits=cu[b + 1] - cu[b], num_sampled=from_sampler[b])
              for b, r in enumerate(batch["idx_mapping"].flat())]
    assert counts == [(0, 0), (2, 1), (2, 0)]
    post_update(idx_mapping=batch["idx_mapping"], num_computed_tokens=state["num_computed_tokens"],
                last_sampled_tokens=state["last_sampled_tokens"],
                sampled_tokens=array([[X, X], [301, 350], [201, 260]]),
                num_sampled=array([n for n, _ in counts], "int32"), num_rejected=array([p for _, p in counts], "int32"),
                query_start_loc=batch["query_start_loc"])
    assert state["num_computed_tokens"].flat() == [14, 9, 0, 9]
    assert state["last_sampled_tokens"].flat() == [260, 0, 0, 350]

    # Next step, r3 alone: the rejected draft's position and slot are reused.
    step = dict(idx_mapping=array([3]), query_start_loc=array([0, 1], "int32"), cu_num_logits=array([0, 1], "int32"),
                positions=full(2, X), seq_lens=full(1, X, "int32"), input_ids=full(2, X, "int32"),
                slot_mapping=full(2, X), logits_indices=full(1, X))
    prepare_inputs(**state, **step, block_size=4)
    assert step["positions"].flat() == [9, X]
    assert step["seq_lens"].flat() == [10]
    assert step["input_ids"].flat() == [350, X]
    assert step["slot_mapping"].flat() == [45, -1]
    assert step["logits_indices"].flat() == [0]


def example_3_buffers():
    return dict(positions=full(6, X), seq_lens=full(4, X, "int32"), input_ids=full(6, X, "int32"),
                slot_mapping=full(6, X), query_start_loc=array([5, 1, 0, 7, 7], "int32"))


EX3_COMMON = dict(idx_mapping=array([2, 0]), block_tables=array([[6, 7, 8], [0, 0, 0], [3, 4, 5]], "int32"),
                  block_size=4, delta=1, pos_cap=11, seq_cap=12)


def first_eagle_step(buffers, on_cap="clamp"):
    advance_drafts(**EX3_COMMON, **buffers, tokens=array([500, 600]), pos_in=array([11, 7]),
                   seq_base=array([12, 9], "int32"), seq_sub=array([0, 1], "int32"), on_cap=on_cap,
                   rewrite_query_start_loc=True, seq_lens_tail="zero")


def test_example_3_eagle_reaching_max_model_len() -> None:
    buffers = example_3_buffers()
    first_eagle_step(buffers)
    assert buffers["query_start_loc"].flat() == [0, 1, 2, 2, 2]
    assert buffers["positions"].flat() == [11, 8, X, X, X, X]
    assert buffers["seq_lens"].flat() == [12, 9, 0, 0]
    assert buffers["input_ids"].flat() == [500, 600, X, X, X, X]
    assert buffers["slot_mapping"].flat() == [23, 32, -1, -1, -1, -1]

    advance_drafts(**EX3_COMMON, **buffers, tokens=array([501, 601]))  # pos_in = positions, seq_base = seq_lens
    assert buffers["positions"].flat() == [11, 9, X, X, X, X]
    assert buffers["seq_lens"].flat() == [12, 10, 0, 0]
    assert buffers["input_ids"].flat() == [501, 601, X, X, X, X]
    assert buffers["slot_mapping"].flat() == [23, 33, -1, -1, -1, -1]  # slot 23 written again at the cap


def test_example_3_padding_at_the_cap() -> None:
    buffers = example_3_buffers()
    first_eagle_step(buffers, on_cap="pad")
    assert buffers["positions"].flat() == [0, 8, X, X, X, X]
    assert buffers["seq_lens"].flat() == [1, 9, 0, 0]
    assert buffers["slot_mapping"].flat() == [-1, 32, -1, -1, -1, -1]


@pytest.mark.parametrize("interleave, slots, local_len", [(1, [-1, 20, -1, 21, -1, 22], 3),
                                                         (2, [-1, -1, 20, 21, -1, -1], 2)])
def test_example_4_dcp(interleave: int, slots: list[int], local_len: int) -> None:
    out = dict(positions=full(6, X), seq_lens=full(1, X), slot_mapping=full(6, X), dcp_local_seq_lens=full(1, X))
    prepare_inputs(idx_mapping=array([0]), query_start_loc=array([0, 6]), num_computed_tokens=array([0]),
                   block_tables=array([[10, 11]]), block_size=2, cp_size=2, cp_rank=1, cp_interleave=interleave,
                   **out)
    assert out["positions"].flat() == [0, 1, 2, 3, 4, 5]
    assert out["seq_lens"].flat() == [6]
    assert out["slot_mapping"].flat() == slots
    assert out["dcp_local_seq_lens"].flat() == [local_len]


def test_example_5_v1_is_prepare_inputs() -> None:
    seq_lens = [5, 14, 7, 7]
    out = dict(input_ids=full(4, X), positions=full(4, X), seq_lens=array(seq_lens), slot_mapping=full(4, X))
    prepare_inputs(idx_mapping=array([0, 1]), query_start_loc=array([0, 1, 2]), num_computed_tokens=array(seq_lens),
                   last_sampled_tokens=array([[70], [80]]), block_tables=array([[1, 2, 3, 4], [5, 6, 7, 8]]),
                   block_size=4, seq_lens_tail="keep", token_tail="zero", bound="table", **out)
    expected = ([70, 80, 0, 0], [5, 14, 0, 0], [6, 15, 7, 7], [9, 34, -1, -1])
    assert tuple(out[k].flat() for k in ("input_ids", "positions", "seq_lens", "slot_mapping")) == expected
    direct = advance_v1([X] * 4, [70, 80], [X] * 4, seq_lens, [X] * 4, [1, 2, 3, 4, 5, 6, 7, 8], 2, 4, 2, 4)
    assert (direct.input_tokens, direct.input_positions, direct.seq_lens, direct.slot_mapping) == expected


def test_example_5_v2_is_advance_drafts() -> None:
    out = dict(input_ids=full(4, X), positions=array([5, 6, 2, 3]), token_seq_lens=full(4, X),
               slot_mapping=full(4, X))
    advance_drafts(idx_mapping=array([0, 1]), query_start_loc=array([0, 2, 4]), block_tables=array([[1, 2], [3, 4]]),
                   block_size=4, delta=array([0 + 1, 1 + 1]), sampled_token_ids=array([[7, -1], [8, 9]]),
                   draft_tokens=array([[70], [90]]), bound="table", **out)
    expected = ([7, 70, 9, 90], [6, 7, 4, 5], [7, 8, 5, 6], [10, 11, 16, 17])
    assert tuple(out[k].flat() for k in ("input_ids", "positions", "token_seq_lens", "slot_mapping")) == expected
    direct = advance_v2([X] * 4, [7, -1, 8, 9], [5, 6, 2, 3], [X] * 4, [X] * 4, [1, 2, 3, 4], 2, 2, 4, [70, 90],
                        [0, 1], 1)
    assert (direct.input_tokens, direct.input_positions, direct.seq_lens, direct.slot_mapping) == expected


def test_ex_7_1_int32_slot_product_is_exact_in_int64() -> None:
    """Spec 7.1: block 2**27, B = 16, position 3 gives slot 2147483651 (vLLM's int32 product wraps)."""
    out = dict(positions=full(1, X), seq_lens=full(1, X), slot_mapping=full(1, X))
    prepare_inputs(idx_mapping=array([0]), query_start_loc=array([0, 1]), num_computed_tokens=array([3]),
                   block_tables=array([[2**27]], "int32"), block_size=16, **out)
    assert out["slot_mapping"].flat() == [2**31 + 3]
