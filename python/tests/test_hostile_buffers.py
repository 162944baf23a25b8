"""Buffer-protocol exporters as a hostile (or merely unusual) caller hands them over: ctypes arrays
(1-D, nested 2-D, big-endian), memoryview (casts, slices, read-only views, and views of any fields a
C exporter can set), array.array, bytes, bytearray. Each is run like numpy, or refused with advstep's
own error and nothing written; never a crash (a NULL Py_buffer.strides once was one).
"""

from __future__ import annotations

import array
import ctypes
from typing import Any, Callable

import pytest

import advstep
from fake_buffer import CraftedBuffer
from hostile import OUTPUTS, ctypes_array, numpy_result, refused, values
from test_errors import ARGUMENT, OUT_OF_RANGE, V1, V2, call, v1_arrays, v2_arrays

np = pytest.importorskip("numpy")


# ---- buffer protocol: exporters that run ----------------------------------------------------------
def cast_memoryview(a: Any, code: str = "q") -> memoryview:
    """A writable memoryview of a bytearray with ``a``'s values, cast to ``code`` and ``a``'s shape."""
    return memoryview(bytearray(a.astype(np.int64).tobytes())).cast(code, list(a.shape))


EXPORTERS: dict[str, Callable[[Any], Any]] = {
    "ctypes.c_int64": ctypes_array,
    "ctypes.c_longlong": lambda a: ctypes_array(a, ctypes.c_longlong),
    "ctypes little-endian": lambda a: ctypes_array(a, ctypes.c_int64.__ctype_le__),
    "memoryview cast q": cast_memoryview,
    "memoryview of numpy": lambda a: memoryview(a.copy()),
    "array.array q": lambda a: array.array("q", a.reshape(-1).tolist()),
}
if ctypes.sizeof(ctypes.c_long) == 8:
    EXPORTERS["memoryview cast l"] = lambda a: cast_memoryview(a, "l")
    EXPORTERS["array.array l"] = lambda a: array.array("l", a.reshape(-1).tolist())


@pytest.mark.parametrize("exporter", sorted(EXPORTERS))
def test_buffer_exporters_run_like_numpy(exporter: str) -> None:
    """The segfault of a NULL Py_buffer.strides (ctypes) is gone: each exporter gives numpy's result."""
    expected = numpy_result(v1_arrays, V1)
    arrays = v1_arrays()
    for name in arrays:
        if exporter.startswith("array.array") and arrays[name].ndim > 1:
            continue  # array.array is 1-D only
        arrays[name] = EXPORTERS[exporter](arrays[name])
    call(arrays, *V1)
    for name in OUTPUTS:
        assert values(arrays[name]) == expected[name], name


@pytest.mark.parametrize("exporter", ["ctypes.c_int64", "memoryview cast q"])
def test_speculative_path_with_buffer_exporters(exporter: str) -> None:
    expected = numpy_result(v2_arrays, V2)
    arrays = {name: EXPORTERS[exporter](a) for name, a in v2_arrays().items()}
    call(arrays, *V2)
    for name in OUTPUTS:
        assert values(arrays[name]) == expected[name], name


def test_int32_ctypes_arrays_for_int32_parameters() -> None:
    arrays = v1_arrays()
    arrays["seq_lens"] = ctypes_array(arrays["seq_lens"], ctypes.c_int32)
    arrays["block_tables"] = ctypes_array(arrays["block_tables"], ctypes.c_int32)
    call(arrays, *V1)
    assert list(arrays["seq_lens"]) == numpy_result(v1_arrays, V1)["seq_lens"]


def test_read_only_exporters_are_accepted_for_inputs_only_read() -> None:
    """bytes, and read-only memoryviews, are fine where the operator only reads."""
    expected = numpy_result(v1_arrays, V1)
    arrays = v1_arrays()
    arrays["sampled_token_ids"] = memoryview(arrays["sampled_token_ids"].tobytes()).cast("q", [4, 1])
    arrays["block_tables"] = memoryview(arrays["block_tables"]).toreadonly()
    call(arrays, *V1)
    assert arrays["slot_mapping"].tolist() == expected["slot_mapping"]


def test_buffer_export_is_released_after_each_call() -> None:
    """An array.array can grow again after a call and after a refusal: the export was released."""
    for counts in (V1, (7, 4, 4)):
        arrays = v1_arrays()
        tokens = array.array("q", arrays["input_tokens"].tolist())
        arrays["input_tokens"] = tokens
        try:
            call(arrays, *counts)
        except advstep.ArgumentError:
            pass
        tokens.append(0)  # BufferError while an export is still held


# ---- buffer protocol: exporters refused -----------------------------------------------------------

@pytest.mark.parametrize("make,got", [
    (lambda a: a.tobytes(), "a read-only bytes"),
    (lambda a: memoryview(a.tobytes()).cast("q"), "a read-only memoryview"),
    (lambda a: memoryview(a.copy()).toreadonly(), "a read-only memoryview"),
])
@pytest.mark.parametrize("name", OUTPUTS)
def test_read_only_exporters_are_refused_for_written_arrays(name: str, make: Callable[[Any], Any],
                                                            got: str) -> None:
    arrays = v1_arrays()
    arrays[name] = make(arrays[name])
    refused(arrays, V1, ARGUMENT, f"{name} must be writable (expected a writable array, got {got})")


@pytest.mark.parametrize("make,match", [
    (lambda a: bytearray(a.tobytes()), "input_tokens has an unsupported dtype (expected int64, got uint8)"),
    (lambda a: ctypes_array(a, ctypes.c_double), "input_tokens has an unsupported dtype (expected int64, got float64)"),
    (lambda a: ctypes_array(a, ctypes.c_bool), "input_tokens has an unsupported dtype (expected int64, got bool)"),
    (lambda a: ctypes_array(a, ctypes.c_int32), "input_tokens has an unsupported dtype (expected int64, got int32)"),
    (lambda a: array.array("i", a.tolist()), "input_tokens has an unsupported dtype (expected int64, got int32)"),
    (lambda a: array.array("d", a.tolist()), "input_tokens has an unsupported dtype (expected int64, got float64)"),
    (lambda a: (ctypes.c_char * 48)(), "input_tokens has a buffer format advstep cannot read (expected one element "
                                       "code of b h i l q n B H I L Q N e f d ?, optionally after one of @ = < > !, "
                                       "got format '<c')"),
    (lambda a: (type("Pair", (ctypes.Structure,), {"_fields_": [("v", ctypes.c_int64)]}) * 6)(),
     "input_tokens has a buffer format advstep cannot read"),
    (lambda a: ctypes_array(a, ctypes.c_int64.__ctype_be__),
     "input_tokens must be in the machine's byte order (expected little-endian, got big-endian buffer format '>q')"),
    (lambda a: memoryview(np.zeros(12, np.int64))[::2], "input_tokens must be contiguous (expected strides [1], got "
                                                         "strides [2])"),
    (lambda a: memoryview(np.zeros(6, np.int64))[::-1], "input_tokens must be contiguous"),
    (lambda a: np.zeros(6, [("v", "<i8"), ("pad", "u1")])["v"],
     "input_tokens must have strides of whole elements (expected byte strides that are multiples of the item size "
     "8, got byte strides [9])"),
    (lambda a: ctypes.c_int64(5), "input_tokens must be [N] or [N, 1] (expected [6] or [6, 1], got [])"),
])
def test_buffer_layouts_advstep_cannot_take(make: Callable[[Any], Any], match: str) -> None:
    if "little-endian" in match and not np.little_endian:
        pytest.skip("a big-endian machine")
    arrays = v1_arrays()
    arrays["input_tokens"] = make(arrays["input_tokens"])
    code = OUT_OF_RANGE if "must be [N]" in match else ARGUMENT
    refused(arrays, V1, code, match)


LONG = ctypes.sizeof(ctypes.c_long)
CRAFTED = [  # format, item size, shape, byte strides, suboffsets, readonly: what the extension reads or says
    ("=q", 8, (6,), None, None, False, None),
    ("@q", 8, (6,), (8,), None, False, None),
    ("<q", 8, (6, 1), (8, 8), None, False, None),
    ("<l", 8, (6,), None, None, False, None if LONG == 8 else "expected 4 bytes for format '<l', got 8 bytes"),
    ("q", 4, (12,), None, None, False, "input_tokens has an item size that does not match its buffer format "
                                       "(expected 8 bytes for format 'q', got 4 bytes)"),
    ("l", 2, (24,), None, None, False, f"(expected {LONG} or 4 bytes for format 'l', got 2 bytes)"),
    ("<i", 8, (6,), None, None, False, "(expected 4 bytes for format '<i', got 8 bytes)"),
    ("<l", 4, (12,), None, None, False, "input_tokens has an unsupported dtype (expected int64, got int32)"),
    ("!q", 8, (6,), None, None, False, "input_tokens must be in the machine's byte order (expected little-endian, "
                                       "got big-endian buffer format '!q')"),
    ("2q", 16, (3,), None, None, False, "input_tokens has a buffer format advstep cannot read"),
    ("qq", 16, (3,), None, None, False, "got format 'qq'"),
    ("", 1, (48,), None, None, False, "got format ''"),
    ("n", 8, (6,), None, None, False, None),
    ("<n", 8, (6,), None, None, False, "input_tokens has a buffer format advstep cannot read (expected one element "
                                       "code of b h i l q n B H I L Q N e f d ?, optionally after one of @ = < > !, "
                                       "got format '<n')"),
    ("q", 8, (6,), (8,), (0,), False, "input_tokens is an indirect buffer (PIL-style suboffsets) (expected directly "
                                      "addressed memory, got a suboffset in dim 0)"),
    ("q", 8, (6,), (12,), None, False, "input_tokens must have strides of whole elements (expected byte strides "
                                       "that are multiples of the item size 8, got byte strides [12])"),
    ("q", 0, (6,), None, None, False, "input_tokens exported a buffer with no item size (expected >= 1 byte, got 0 "
                                      "bytes)"),
    ("q", 8, (6,), None, None, True, "input_tokens must be writable (expected a writable array, got a read-only "
                                     "memoryview)"),
]


def test_buffer_length_must_match_its_shape() -> None:
    """An exporter whose len is not product(shape) * itemsize describes memory it may not have."""
    tokens = np.full(12, 7, np.int64)
    for length, shape in ((40, (6,)), (48, (7,)), (8, (1 << 62, 4))):
        crafted = CraftedBuffer(tokens, "q", 8, shape, length=length)
        arrays = v1_arrays()
        arrays["input_tokens"] = crafted.view
        with pytest.raises(advstep.ArgumentError) as raised:
            call(arrays, *V1)
        assert "input_tokens exported a buffer whose length does not match its shape (expected len = " in str(
            raised.value), str(raised.value)
    assert ("(expected len = 4611686018427387904 * 4 * 8 bytes, a product that overflows int64, got 8 bytes)"
            in str(raised.value))
    assert tokens.tolist() == [7] * 12


@pytest.mark.parametrize("fmt,itemsize,shape,strides,suboffsets,readonly,match", CRAFTED)
def test_crafted_buffer_fields(fmt: str, itemsize: int, shape: tuple[int, ...], strides: Any, suboffsets: Any,
                               readonly: bool, match: Any) -> None:
    """Fields a C exporter sets: the format's element code and byte order, the item size it must
    match (native or standard size of the code), suboffsets, strides, the read-only flag."""
    if not np.little_endian:
        pytest.skip("the expectations are written for a little-endian machine")
    tokens = np.full(12, 7, np.int64)
    crafted = CraftedBuffer(tokens, fmt, itemsize, shape, strides, suboffsets, readonly)
    arrays = v1_arrays()
    arrays["input_tokens"] = crafted.view
    if match is None:
        call(arrays, *V1)
        assert tokens[:6].tolist() == numpy_result(v1_arrays, V1)["input_tokens"]
        return
    # Not refused(): reading a view with suboffsets back through Python would follow them as pointers.
    before = {name: a.copy() for name, a in v1_arrays().items() if name != "input_tokens"}
    with pytest.raises(advstep.ArgumentError) as raised:
        call(arrays, *V1)
    assert match in str(raised.value) and raised.value.code == ARGUMENT, str(raised.value)
    assert tokens.tolist() == [7] * 12
    for name, a in before.items():
        assert np.array_equal(arrays[name], a), name


def test_two_dimensional_slices_of_a_buffer_are_not_contiguous() -> None:
    arrays = v1_arrays()
    arrays["block_tables"] = memoryview(np.zeros((6, 6), np.int64)[:, ::2])
    refused(arrays, V1, ARGUMENT, "block_tables must be contiguous")


@pytest.mark.parametrize("name,shape", [("spec_token", "[N, S]"), ("accepted_num", "[N]")])
@pytest.mark.parametrize("zero_d", [lambda: np.array(5, np.int64), lambda: ctypes.c_int64(5)])
def test_zero_d_optional_input_is_named_as_such(name: str, shape: str, zero_d: Callable[[], Any]) -> None:
    """A 0-d spec_token was reported as "spec_token null": it is 0-d, and the message says so."""
    arrays = v2_arrays()
    arrays[name] = zero_d()
    error = refused(arrays, V2, OUT_OF_RANGE, f"{name} must be {shape} or None, not 0-d (expected {shape}, got a 0-d "
                                              "int64 ")
    assert "null" not in str(error)
