"""What a Python user reads when a call is refused: the Python name, the real problem, a code."""

from __future__ import annotations

import pytest

import advstep

np = pytest.importorskip("numpy")


def _arrays() -> dict:
    return {"input_tokens": np.zeros(4, np.int64), "sampled_token_ids": np.zeros((2, 1), np.int64),
            "input_positions": np.zeros(4, np.int64), "seq_lens": np.array([1, 2, 3, 4], np.int64),
            "slot_mapping": np.zeros(4, np.int64), "block_tables": np.arange(8, dtype=np.int64).reshape(4, 2)}


def test_library_messages_name_the_python_function() -> None:
    arrays = _arrays()
    arrays["seq_lens"] = np.zeros(3, np.int64)
    with pytest.raises(advstep.ArgumentError) as raised:
        advstep.advance_step(**arrays, num_seqs=4, num_queries=2, block_size=4)
    assert str(raised.value).startswith("advstep.advance_step: "), str(raised.value)
    assert "advstep::" not in str(raised.value)


def test_list_is_an_argument_error_with_a_code() -> None:
    arrays = _arrays()
    arrays["input_tokens"] = [0, 0, 0, 0]
    with pytest.raises(advstep.ArgumentError) as raised:
        advstep.advance_step(**arrays, num_seqs=4, num_queries=2, block_size=4)
    assert raised.value.code == 161002
    assert "input_tokens must be an array" in str(raised.value) and "(got list)" in str(raised.value)


def test_big_endian_array_names_the_byte_order() -> None:
    arrays = _arrays()
    arrays["seq_lens"] = np.array([1, 2, 3, 4], dtype=">i8")
    before = {name: array.copy() for name, array in arrays.items()}
    with pytest.raises(advstep.ArgumentError) as raised:
        advstep.advance_step(**arrays, num_seqs=4, num_queries=2, block_size=4)
    message = str(raised.value)
    assert raised.value.code == 161002
    assert "seq_lens" in message and "byte order" in message and "big-endian" in message, message
    for name, array in arrays.items():
        assert np.array_equal(array, before[name]), name


@pytest.mark.parametrize("keywords", [{"semantics": "npu"}, {"block_bound": "page"},
                                      {"semantics": "ascend", "ascend_cores": 0}])
def test_keyword_messages_name_the_python_function(keywords: dict) -> None:
    with pytest.raises(advstep.ArgumentError) as raised:
        advstep.advance_step(**_arrays(), num_seqs=4, num_queries=2, block_size=4, **keywords)
    assert str(raised.value).startswith("advstep.advance_step: "), str(raised.value)


@pytest.mark.parametrize("operation", ["prepare_inputs", "advance_drafts", "post_update"])
def test_prepare_step_messages_name_the_python_function(operation: str) -> None:
    from advstep._errors import DATA_FAULT, from_status

    error = from_status(DATA_FAULT, f"advstep::{operation}: data fault F1 at b = 2, r = 4: idx_mapping[2] = 4")
    assert str(error) == f"advstep.{operation}: data fault F1 at b = 2, r = 4: idx_mapping[2] = 4"
    assert isinstance(error, advstep.DataFaultError) and error.code == DATA_FAULT
