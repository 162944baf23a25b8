"""A 0-d array or a negative stream given to the prepare-step operations: an ArgumentError naming the
parameter, and no array changed.

The library reads a 0-d view as "not given", so a 0-d array passed for a required tensor must be refused
as what it is, not reported as missing (code 161001, "is required ... got none").
"""

from __future__ import annotations

import numpy as np
import pytest

import advstep


def prepare() -> dict:  # spec prepare_step.md Ex 1
    return dict(idx_mapping=np.array([4, 0, 2]), query_start_loc=np.array([0, 1, 2, 3, 3, 3, 3], np.int32),
                num_computed_tokens=np.array([9, 0, 3, 0, 6, 0], np.int32),
                block_tables=np.array([[10, 11, 12], [0, 0, 0], [5, 6, 0], [0, 0, 0], [20, 21, 0], [0, 0, 0]],
                                      np.int32),
                block_size=4, positions=np.full(8, 7), seq_lens=np.full(6, 5, np.int32), slot_mapping=np.full(8, 7))


def drafts() -> dict:  # spec Ex 3, first draft step
    return dict(idx_mapping=np.array([2, 0]), query_start_loc=np.full(5, 7, np.int32), positions=np.full(6, 7),
                input_ids=np.full(6, 7, np.int32), slot_mapping=np.full(6, 7),
                block_tables=np.array([[6, 7, 8], [0, 0, 0], [3, 4, 5]], np.int32), block_size=4, delta=1,
                tokens=np.array([500, 600]), pos_in=np.array([11, 7]), pos_cap=11, rewrite_query_start_loc=True)


def update() -> dict:  # spec Ex 2, after sampling
    return dict(idx_mapping=np.array([1, 3, 0]), num_computed_tokens=np.array([12, 4, 0, 7], np.int32),
                last_sampled_tokens=np.array([200, 0, 0, 300]),
                sampled_tokens=np.array([[0, 0], [301, 350], [201, 260]]), num_sampled=np.array([0, 2, 2]),
                num_rejected=np.array([0, 1, 0]), query_start_loc=np.array([0, 5, 8, 10]))


def refused(operation, case: dict, text: str, code: int) -> None:
    arrays = {k: v for k, v in case.items() if isinstance(v, np.ndarray)}
    before = {k: v.copy() for k, v in arrays.items()}
    with pytest.raises(advstep.ArgumentError) as raised:
        operation(**case)
    assert raised.value.code == code, str(raised.value)
    assert text in str(raised.value), str(raised.value)
    for k, a in arrays.items():
        assert np.array_equal(a, before[k]), k


PREPARE_REQUIRED = ("idx_mapping", "query_start_loc", "num_computed_tokens", "block_tables", "positions",
                    "seq_lens", "slot_mapping")
DRAFTS_REQUIRED = ("idx_mapping", "query_start_loc", "positions", "input_ids", "slot_mapping", "block_tables")
UPDATE_REQUIRED = ("idx_mapping", "num_computed_tokens", "last_sampled_tokens", "sampled_tokens", "num_sampled",
                   "num_rejected")


@pytest.mark.parametrize("operation, base, name", [
    *[(advstep.prepare_inputs, prepare, name) for name in PREPARE_REQUIRED],
    *[(advstep.advance_drafts, drafts, name) for name in DRAFTS_REQUIRED],
    *[(advstep.post_update, update, name) for name in UPDATE_REQUIRED],
])
def test_a_0d_array_for_a_required_tensor_is_named_as_0d(operation, base, name: str) -> None:
    case = base()
    case[name] = np.array(3, np.int64)
    shown = "block_tables[0]" if name == "block_tables" else name
    refused(operation, case, f"{shown} must not be 0-d", advstep._errors.OUT_OF_RANGE)



@pytest.mark.parametrize("stream", [-1, -(2**63)])
def test_advance_drafts_refuses_a_negative_stream(stream: int) -> None:
    refused(advstep.advance_drafts, dict(drafts(), stream=stream), "stream must be a cudaStream_t",
            advstep._errors.OUT_OF_RANGE)


@pytest.mark.parametrize("operation, base, name, bad", [
    (advstep.prepare_inputs, prepare, "idx_mapping", [4, 0, 2]),
    (advstep.advance_drafts, drafts, "positions", np.full(6, 7).copy().view()),
    (advstep.post_update, update, "num_computed_tokens", None),
])
def test_an_import_refusal_names_the_operation_called(operation, base, name: str, bad) -> None:
    """The refusals of the array import (not an array, read-only) name the operation, not advance_step."""
    case = base()
    if isinstance(bad, np.ndarray):
        bad.flags.writeable = False
    case[name] = bad
    api = f"advstep.{operation.__name__}: {name} must be"
    with pytest.raises(advstep.ArgumentError, match=f"^{api}"):
        operation(**case)
    with pytest.raises(advstep.ArgumentError, match="^advstep.advance_step: "):  # and advance_step keeps its name
        advstep.advance_step([1], np.zeros((1, 1)), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros((1, 1)), 1, 1, 1)
