"""Every error path through the Python API: exception type, CANN code, message, arrays untouched.

The messages are the library's own; the tests match their distinctive part (parameter and rule).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import pytest

import advstep

np = pytest.importorskip("numpy")

N, Q, B, W = 6, 4, 4, 3  # V1 base case
SN, S = 3, 2  # V2 base case: SN sequences, S drafts, E = S + 1
E = S + 1

ARGUMENT, NULL, OUT_OF_RANGE, FAULT = 161002, 161001, 561002, 507015


def v1_arrays() -> dict[str, Any]:
    return {
        "input_tokens": np.full(N, 7, np.int64),
        "sampled_token_ids": np.arange(100, 100 + Q, dtype=np.int64).reshape(Q, 1),
        "input_positions": np.full(N, 8, np.int64),
        "seq_lens": np.array([0, 3, 5, 11, 2, 2], np.int64),
        "slot_mapping": np.full(N, 9, np.int64),
        "block_tables": np.arange(N * W, dtype=np.int64).reshape(N, W),
    }


def v2_arrays() -> dict[str, Any]:
    return {
        "input_tokens": np.full(SN * E, 7, np.int64),
        "sampled_token_ids": np.array([[1, 2, -1], [3, -1, -1], [4, 5, 6]], np.int64),
        "input_positions": np.array([0, 1, 2, 3, 4, 5, 1, 2, 3], np.int64),
        "seq_lens": np.zeros(SN * E, np.int64),
        "slot_mapping": np.full(SN * E, 9, np.int64),
        "block_tables": np.arange(SN * W, dtype=np.int64).reshape(SN, W),
        "spec_token": np.arange(SN * S, dtype=np.int64).reshape(SN, S) + 50,
        "accepted_num": np.array([1, 0, 2], np.int64),
    }


def call(arrays: dict[str, Any], num_seqs: Any, num_queries: Any, block_size: Any) -> None:
    optional = {k: arrays[k] for k in ("spec_token", "accepted_num") if k in arrays}
    advstep.advance_step(arrays["input_tokens"], arrays["sampled_token_ids"], arrays["input_positions"],
                         arrays["seq_lens"], arrays["slot_mapping"], arrays["block_tables"], num_seqs,
                         num_queries, block_size, **optional)


def expect_error(arrays: dict[str, Any], error: type, code: Optional[int], match: str,
                 counts: tuple[Any, Any, Any]) -> None:
    """Calls with ``arrays``; expects ``error`` carrying ``code`` and ``match``, nothing modified."""
    before = {name: np.array(a, copy=True) if hasattr(a, "shape") else a for name, a in arrays.items()}
    with pytest.raises(error) as raised:
        call(arrays, *counts)
    assert match in str(raised.value), str(raised.value)
    if code is not None:
        assert raised.value.code == code
        expected_base = RuntimeError if code == FAULT else ValueError
        assert isinstance(raised.value, expected_base)
    for name, a in arrays.items():
        if hasattr(a, "shape"):
            assert np.array_equal(np.asarray(a), before[name]), f"{name} was modified"


def with_(base: Callable[[], dict[str, Any]], **changes: Any) -> dict[str, Any]:
    arrays = base()
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


V1 = (N, Q, B)
V2 = (SN, SN, B)

DTYPE_CASES = [
    ("input_tokens", "float32", "input_tokens has an unsupported dtype (expected int64, got float32)"),
    ("sampled_token_ids", "int16", "sampled_token_ids has an unsupported dtype (expected int32 or int64, got int16)"),
    ("input_positions", "uint64", "input_positions has an unsupported dtype (expected int64, got uint64)"),
    ("seq_lens", "float64", "seq_lens has an unsupported dtype (expected int32 or int64, got float64)"),
    ("seq_lens", "uint32", "seq_lens has an unsupported dtype (expected int32 or int64, got uint32)"),
    ("slot_mapping", "bool", "slot_mapping has an unsupported dtype (expected int64, got bool)"),
    ("block_tables", "int16", "block_tables has an unsupported dtype (expected int32 or int64, got int16)"),
    ("block_tables", "uint8", "block_tables has an unsupported dtype (expected int32 or int64, got uint8)"),
    ("input_tokens", "float16", "input_tokens has an unsupported dtype (expected int64, got float16)"),
    ("input_tokens", "int8", "got int8"),
    ("input_tokens", "uint16", "got uint16"),
    ("input_tokens", "complex64", "input_tokens has an unsupported dtype"),
]


@pytest.mark.parametrize("name,dtype,match", DTYPE_CASES)
def test_v1_dtype(name: str, dtype: str, match: str) -> None:
    arrays = v1_arrays()
    arrays[name] = arrays[name].astype(dtype)
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, match, V1)


@pytest.mark.parametrize("name,dtype", [("spec_token", "uint32"), ("accepted_num", "float64"),
                                        ("input_tokens", "int32"), ("sampled_token_ids", "uint64")])
def test_v2_dtype(name: str, dtype: str) -> None:
    arrays = v2_arrays()
    arrays[name] = arrays[name].astype(dtype)
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, f"{name} has an unsupported dtype", V2)


def test_int32_seq_lens_and_block_tables_are_accepted() -> None:
    arrays = v1_arrays()
    arrays["seq_lens"] = arrays["seq_lens"].astype(np.int32)
    arrays["block_tables"] = arrays["block_tables"].astype(np.int32)
    call(arrays, *V1)
    assert arrays["seq_lens"].tolist() == [1, 4, 6, 12, 2, 2]


def test_int32_index_tensors_are_accepted() -> None:
    """Every index tensor of the native contract may be int32, as engines hold them (issue 19)."""
    expected = v2_arrays()
    call(expected, *V2)
    arrays = v2_arrays()
    for name in ("sampled_token_ids", "spec_token", "accepted_num", "seq_lens", "block_tables"):
        arrays[name] = arrays[name].astype(np.int32)
    call(arrays, *V2)
    for name in ("input_tokens", "input_positions", "seq_lens", "slot_mapping"):
        assert arrays[name].tolist() == expected[name].tolist(), name
    one = v1_arrays()
    call(one, *V1)
    narrow = v1_arrays()
    narrow["sampled_token_ids"] = narrow["sampled_token_ids"].astype(np.int32)
    call(narrow, *V1)
    assert narrow["input_tokens"].tolist() == one["input_tokens"].tolist()


def test_ascend_semantics_keeps_int64_indices() -> None:
    arrays = v1_arrays()
    arrays["sampled_token_ids"] = arrays["sampled_token_ids"].astype(np.int32)
    with pytest.raises(advstep.ArgumentError) as raised:
        advstep.advance_step(arrays["input_tokens"], arrays["sampled_token_ids"], arrays["input_positions"],
                             arrays["seq_lens"], arrays["slot_mapping"], arrays["block_tables"], *V1,
                             semantics="ascend", ascend_cores=40)
    assert ("sampled_token_ids has an unsupported dtype (expected int64 (the Ascend kernels compute on int64 "
            "only), got int32)") in str(raised.value)


SHAPE_CASES = [
    (v1_arrays, "input_tokens", (N + 1,), V1, "input_tokens dim 0 must equal num_seqs (expected 6, got 7)"),
    (v1_arrays, "input_positions", (N, 2), V1, "input_positions must be [N] or [N, 1]"),
    (v1_arrays, "seq_lens", (N, 1, 1), V1, "seq_lens must be [N] or [N, 1]"),
    (v1_arrays, "seq_lens", (), V1, "seq_lens must be [N] or [N, 1]"),
    (v1_arrays, "slot_mapping", (N - 1,), V1, "slot_mapping dim 0 must equal num_seqs (expected 6, got 5)"),
    (v1_arrays, "block_tables", (N + 1, W), V1, "block_tables dim 0 must equal num_seqs"),
    (v1_arrays, "block_tables", (N, 0), V1, "block_tables must hold at least one block per sequence"),
    (v1_arrays, "sampled_token_ids", (Q,), V1, "sampled_token_ids must be [Q, 1]"),
    (v1_arrays, "sampled_token_ids", (Q, 2), V1, "sampled_token_ids must be [Q, 1]"),
    (v1_arrays, "sampled_token_ids", (Q + 1, 1), V1, "sampled_token_ids dim 0 must equal num_queries"),
    (v2_arrays, "spec_token", (SN * S,), V2, "spec_token must be [N, S]"),
    (v2_arrays, "accepted_num", (SN, 1), V2, "accepted_num must be [N]"),
    (v2_arrays, "accepted_num", (SN + 1,), V2, "accepted_num dim 0 must equal num_seqs"),
    (v2_arrays, "input_tokens", (SN * E + 1,), V2, "input_tokens dim 0 must equal num_seqs * E (E = S + 1 = 3, S from dim 1 of spec_token)"),
    (v2_arrays, "seq_lens", (SN, E + 1), V2, "seq_lens must be [N*E] or [N, E]"),
    (v2_arrays, "sampled_token_ids", (SN, E + 1), V2, "sampled_token_ids must be [N, E]"),
    (v2_arrays, "sampled_token_ids", (SN * E,), V2, "sampled_token_ids must be [N, E]"),
    (v2_arrays, "block_tables", (SN * W,), V2, "block_tables must be [N, W]"),
]


@pytest.mark.parametrize("base,name,shape,counts,match", SHAPE_CASES)
def test_shape(base: Callable[[], dict[str, Any]], name: str, shape: tuple[int, ...],
               counts: tuple[int, int, int], match: str) -> None:
    arrays = base()
    arrays[name] = np.zeros(shape, arrays[name].dtype)
    expect_error(arrays, advstep.ArgumentError, OUT_OF_RANGE, match, counts)


def test_rank_above_eight_is_reported() -> None:
    arrays = v1_arrays()
    arrays["input_tokens"] = np.zeros((N,) + (1,) * 9, np.int64)
    expect_error(arrays, advstep.ArgumentError, OUT_OF_RANGE, "input_tokens must be [N] or [N, 1]", V1)


def non_contiguous(a: Any) -> Any:
    """The same values, every other element of a buffer twice as long."""
    wide = np.zeros(a.shape[:-1] + (a.shape[-1] * 2,) if a.ndim else (2,), a.dtype)
    view = wide[..., ::2]
    view[...] = a
    return view


@pytest.mark.parametrize("name", ["input_tokens", "input_positions", "seq_lens", "slot_mapping"])
def test_strided_output_is_not_contiguous(name: str) -> None:
    arrays = v1_arrays()
    arrays[name] = non_contiguous(arrays[name])
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, f"{name} must be contiguous (expected strides [1], got strides [2])",
                 V1)


def test_fortran_block_table_is_not_contiguous() -> None:
    arrays = v1_arrays()
    arrays["block_tables"] = np.asfortranarray(arrays["block_tables"])
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, "block_tables must be contiguous", V1)


def test_strided_sampled_and_reversed_arrays_are_not_contiguous() -> None:
    arrays = v1_arrays()
    arrays["sampled_token_ids"] = np.repeat(arrays["sampled_token_ids"], 2, axis=1)[:, :1]
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, "sampled_token_ids must be contiguous", V1)
    arrays = v1_arrays()
    arrays["input_positions"] = arrays["input_positions"][::-1]
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, "input_positions must be contiguous", V1)
    arrays = v2_arrays()
    arrays["spec_token"] = np.ascontiguousarray(arrays["spec_token"].T).T
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, "spec_token must be contiguous", V2)


def test_overlapping_outputs() -> None:
    arrays = v1_arrays()
    arrays["input_positions"] = arrays["input_tokens"]
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, "input_tokens overlaps input_positions", V1)
    arrays = v1_arrays()
    shared = np.zeros(N + 1, np.int64)
    arrays["slot_mapping"], arrays["seq_lens"] = shared[:N], shared[1:]
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, "seq_lens overlaps slot_mapping", V1)


def test_output_overlapping_an_input() -> None:
    arrays = v1_arrays()
    arrays["input_tokens"] = arrays["block_tables"].reshape(-1)[:N]
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, "input_tokens overlaps block_tables", V1)


@pytest.mark.parametrize("name", ["input_tokens", "input_positions", "seq_lens", "slot_mapping"])
def test_read_only_output(name: str) -> None:
    arrays = v1_arrays()
    arrays[name].flags.writeable = False
    expect_error(arrays, advstep.ArgumentError, ARGUMENT, f"{name} must be writable", V1)


def test_read_only_inputs_are_fine() -> None:
    arrays = v2_arrays()
    for name in ("sampled_token_ids", "block_tables", "spec_token", "accepted_num"):
        arrays[name].flags.writeable = False
    call(arrays, *V2)
    assert arrays["input_tokens"].tolist() == [2, 50, 51, 3, 52, 53, 6, 54, 55]


def test_only_spec_token() -> None:
    arrays = with_(v2_arrays, accepted_num=None)
    expect_error(arrays, advstep.ArgumentError, NULL,
                 "accepted_num must be given together with spec_token (expected both or neither, got spec_token only (accepted_num null))",
                 V2)


def test_only_accepted_num() -> None:
    arrays = with_(v2_arrays, spec_token=None)
    expect_error(arrays, advstep.ArgumentError, NULL, "spec_token must be given together with accepted_num", V2)


def test_one_optional_empty() -> None:
    arrays = v2_arrays()
    arrays["spec_token"] = np.zeros((SN, 0), np.int64)
    expect_error(arrays, advstep.ArgumentError, NULL,
                 "spec_token must be given together with accepted_num (expected both or neither, "
                 "got accepted_num only (spec_token empty, shape [3, 0]))", V2)


COUNT_CASES = [
    (v1_arrays, (0, Q, B), "num_seqs must be at least 1 (expected >= 1, got 0)"),
    (v1_arrays, (N, 0, B), "num_queries must be at least 1 (expected >= 1, got 0)"),
    (v1_arrays, (N, Q, 0), "block_size must be at least 1 (expected >= 1, got 0)"),
    (v1_arrays, (N, Q, -4), "block_size must be at least 1"),
    (v1_arrays, (-N, Q, B), "num_seqs must be at least 1"),
    (v1_arrays, (200000000, Q, B), "num_seqs must be below 200000000"),
    (v1_arrays, (N, N + 1, B), "num_seqs must be at least num_queries (expected >= 7, got 6)"),
    (v2_arrays, (SN, SN - 1, B), "num_queries must equal num_seqs on the speculative path (expected 3, got 2)"),
    (v2_arrays, (SN + 1, SN, B), "num_queries must equal num_seqs on the speculative path"),
    (v1_arrays, (N, Q, 2**63), "block_size does not fit int64"),
    (v1_arrays, (-(2**70), Q, B), "num_seqs does not fit int64"),
]


@pytest.mark.parametrize("base,counts,match", COUNT_CASES)
def test_counts(base: Callable[[], dict[str, Any]], counts: tuple[int, int, int], match: str) -> None:
    expect_error(base(), advstep.ArgumentError, OUT_OF_RANGE, match, counts)


def test_num_seqs_equal_num_queries_is_allowed() -> None:
    arrays = v1_arrays()
    arrays["sampled_token_ids"] = np.arange(N, dtype=np.int64).reshape(N, 1)
    call(arrays, N, N, B)
    assert arrays["slot_mapping"].tolist() == [0, 15, 29, 47, 50, 62]
    assert arrays["input_tokens"].tolist() == list(range(N))


@pytest.mark.parametrize("counts", [(N, Q, 4.0), (N, None, B), ("6", Q, B)])
def test_counts_must_be_integers(counts: tuple[Any, Any, Any]) -> None:
    expect_error(v1_arrays(), TypeError, None, "must be an integer", counts)


@pytest.mark.parametrize("name", ["input_tokens", "sampled_token_ids", "block_tables"])
@pytest.mark.parametrize("value", [[1, 2, 3, 4, 5, 6], None, 3])
def test_non_arrays(name: str, value: Any) -> None:
    arrays = v1_arrays()
    arrays[name] = value
    expect_error(arrays, advstep.ArgumentError, NULL if value is None else ARGUMENT,
                 f"advstep.advance_step: {name} must be an array supporting DLPack or the buffer protocol", V1)


V1_FAULTS = [
    ({"seq_lens": np.array([0, -3, 5, 11, 2, 2], np.int64)},
     "data fault in sequence 1: seq_lens[1] is negative (expected >= 0, got -3)"),
    ({"seq_lens": np.array([0, 3, 5, (N * W - 3 * W) * B, 2, 2], np.int64)}, "data fault in sequence 3: block index"),
    ({"block_tables": np.array([[0, 1, 2], [-5, 4, 5]] + [[6, 7, 8]] * 4, np.int64)},
     "is a negative block id"),
    ({"seq_lens": np.array([0, 3, 5, 2**31 - 1, 2, 2], np.int32)}, "does not fit seq_lens"),
    ({"block_tables": np.array([[2**62, 1, 2]] + [[3, 4, 5]] * 5, np.int64)}, "exceeds 2^63 - 1"),
]


@pytest.mark.parametrize("changes,match", V1_FAULTS)
def test_v1_data_faults(changes: dict[str, Any], match: str) -> None:
    expect_error(with_(v1_arrays, **changes), advstep.DataFaultError, FAULT, match, V1)


def test_padding_rows_are_not_checked() -> None:
    """Rows Q <= j < N are padding: their (negative) lengths are kept, never read as positions."""
    arrays = v1_arrays()
    arrays["seq_lens"][Q:] = -1
    call(arrays, *V1)
    assert arrays["seq_lens"].tolist()[Q:] == [-1, -1]
    assert arrays["slot_mapping"].tolist()[Q:] == [-1, -1]


V2_FAULTS = [
    ({"accepted_num": np.array([1, -5, 2], np.int64)},
     "the new position input_positions[3] + accepted_num[1] + 1 = 3 + -5 + 1 is negative"),
    ({"accepted_num": np.array([1, 0, 40], np.int64)}, "sequence 2, column 0 (element 6): block index"),
    ({"input_positions": np.array([0, 1, 2, 3, -4, 5, 1, 2, 3], np.int64)}, "= -4 + 0 + 1 is negative"),
    ({"sampled_token_ids": np.array([[1, 2, -1], [-1, 3, -1], [4, 5, 6]], np.int64)},
     "sampled_token_ids row 1 starts with -1"),
    ({"input_positions": np.array([0, 1, 2, 3, 4, 5, 1, 2, 40], np.int64)}, "past its end"),
    ({"input_positions": np.array([0, 1, 2 ** 63 - 2, 3, 4, 5, 1, 2, 3], np.int64)}, "exceeds 2^63 - 1"),
]


@pytest.mark.parametrize("changes,match", V2_FAULTS)
def test_v2_data_faults(changes: dict[str, Any], match: str) -> None:
    expect_error(with_(v2_arrays, **changes), advstep.DataFaultError, FAULT, match, V2)


def test_a_row_without_a_last_token_says_nothing_of_the_table() -> None:
    """The fault reads no block table, so its message ends without the table's shape (issue 19)."""
    arrays = with_(v2_arrays, sampled_token_ids=np.array([[1, 2, -1], [-1, 3, -1], [4, 5, 6]], np.int64))
    with pytest.raises(advstep.DataFaultError) as raised:
        call(arrays, *V2)
    message = str(raised.value)
    assert message.endswith("sampled_token_ids row 1 starts with -1, so it has no last token (expected a token id "
                            "in column 0, got -1); no tensor was written"), message


def test_ascend_needs_a_padding_row_and_says_so() -> None:
    arrays = v1_arrays()
    arrays["sampled_token_ids"] = np.zeros((N, 1), np.int64)
    with pytest.raises(advstep.ArgumentError) as raised:
        advstep.advance_step(arrays["input_tokens"], arrays["sampled_token_ids"], arrays["input_positions"],
                             arrays["seq_lens"], arrays["slot_mapping"], arrays["block_tables"], N, N, B,
                             semantics="ascend", ascend_cores=40)
    assert ("num_seqs must be greater than num_queries (Ascend semantics: its V1 kernel needs N > Q) "
            f"(expected > {N}, got {N})") in str(raised.value)


def test_accepted_num_is_an_offset() -> None:
    """accepted_num above S (CANN's own examples pass it) only moves the positions on."""
    arrays = with_(v2_arrays, accepted_num=np.array([1, 3, 2], np.int64))
    call(arrays, *V2)
    assert arrays["input_positions"].tolist() == [2, 3, 4, 7, 8, 9, 4, 5, 6]
    assert arrays["slot_mapping"].tolist() == [2, 3, 4, 19, 20, 21, 28, 29, 30]


def test_exception_classes() -> None:
    assert issubclass(advstep.ArgumentError, ValueError) and issubclass(advstep.ArgumentError, advstep.Error)
    assert issubclass(advstep.DataFaultError, RuntimeError) and issubclass(advstep.DataFaultError, advstep.Error)
    assert issubclass(advstep.DeviceError, RuntimeError) and issubclass(advstep.DeviceError, advstep.Error)
    assert not issubclass(advstep.ArgumentError, RuntimeError)
