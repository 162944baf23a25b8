"""Arrays as a hostile (or merely unusual) caller hands them over: every buffer-protocol exporter and
every DLPack producer is either run or refused with advstep's own error, never a crash, a raw Python
error, a read of released memory or a double free; and nothing is written when it is refused.

Buffer protocol: ctypes arrays (1-D, nested 2-D, big-endian), memoryview (casts, slices, read-only),
array.array, bytes, bytearray. DLPack: capsules passed directly or returned by __dlpack__, consumed
once (a second import is refused, the tensor released once), versioned and unversioned, malformed.
"""

from __future__ import annotations

import array
import ctypes
from typing import Any, Callable

import pytest

import advstep
from fake_buffer import CraftedBuffer
from fake_dlpack import IS_COPIED, READ_ONLY, FakeArray, capsule_name
from test_errors import ARGUMENT, NULL, OUT_OF_RANGE, V1, V2, call, v1_arrays, v2_arrays

np = pytest.importorskip("numpy")

OUTPUTS = ("input_tokens", "input_positions", "seq_lens", "slot_mapping")


def numpy_result(base: Callable[[], dict[str, Any]], counts: tuple[int, int, int]) -> dict[str, list[int]]:
    """What the same call writes when every array is a numpy array."""
    arrays = base()
    call(arrays, *counts)
    return {name: arrays[name].reshape(-1).tolist() for name in OUTPUTS}


def snapshot(exported: Any) -> Any:
    """The bytes of any exporter (a FakeArray's host array), None for a capsule (not readable)."""
    if isinstance(exported, FakeArray):
        return exported.host.tobytes()
    if type(exported).__name__ == "PyCapsule":
        return None
    return memoryview(exported).tobytes()


def values(exported: Any) -> list[int]:
    """The int64 elements of an exporter (ctypes array, nested or not, array.array, memoryview, numpy)."""
    return np.frombuffer(snapshot(exported), np.int64).tolist()


def refused(arrays: dict[str, Any], counts: tuple[int, int, int], code: int, match: str,
            error: type = advstep.ArgumentError) -> BaseException:
    """Calls with ``arrays``; expects ``error`` with ``code`` and ``match``, and no array changed."""
    before = {name: snapshot(a) for name, a in arrays.items()}
    with pytest.raises(error) as raised:
        call(arrays, *counts)
    assert match in str(raised.value), str(raised.value)
    if isinstance(raised.value, advstep.Error):
        assert raised.value.code == code, raised.value.code
    for name, a in arrays.items():
        assert snapshot(a) == before[name], f"{name} was modified"
    return raised.value


# ---- buffer protocol: exporters that run ----------------------------------------------------------

def ctypes_array(a: Any, element: Any = ctypes.c_int64) -> Any:
    """A ctypes array holding the values of the 1-D or 2-D numpy array ``a`` (nested when 2-D)."""
    if a.ndim == 1:
        return (element * a.shape[0])(*a.tolist())
    row = element * a.shape[1]
    return (row * a.shape[0])(*[row(*r) for r in a.tolist()])


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


# ---- DLPack: capsules are consumed once and released once -----------------------------------------

def test_producer_returning_the_same_capsule_twice() -> None:
    """The first call consumes the capsule and releases its tensor; the second is refused, not run
    on a released tensor, and the tensor is not released twice."""
    arrays = v1_arrays()
    tokens = arrays["input_tokens"]
    producer = FakeArray(tokens, reuse_capsule=True)
    arrays["input_tokens"] = producer
    call(arrays, *V1)
    assert producer.deleted == 1
    assert capsule_name(producer._capsule) == "used_dltensor"
    assert tokens.tolist() == numpy_result(v1_arrays, V1)["input_tokens"]
    arrays = v1_arrays()
    arrays["input_tokens"] = producer
    refused(arrays, V1, ARGUMENT, "the capsule input_tokens.__dlpack__() returned was already consumed (a DLPack "
                                  "capsule can be imported once; export the array again) (expected a capsule named "
                                  "'dltensor' or 'dltensor_versioned', got a capsule named 'used_dltensor')")
    assert producer.deleted == 1


class ReusedNumpyCapsule:
    """Hands out numpy's own capsule (whose deleter frees real memory) on every __dlpack__ call."""

    def __init__(self, host: Any, **keywords: Any) -> None:
        self.host = host
        self.capsule = host.__dlpack__(**keywords)

    def __dlpack__(self, **_: Any) -> Any:
        return self.capsule


@pytest.mark.parametrize("keywords", [{}, {"max_version": (1, 0)}])
def test_numpy_capsule_handed_out_twice(keywords: dict[str, Any]) -> None:
    """With numpy's deleter, a second import would read and free released memory (the sanitizer
    build reports it); it is refused instead."""
    arrays = v1_arrays()
    producer = ReusedNumpyCapsule(arrays["input_tokens"], **keywords)
    arrays["input_tokens"] = producer
    call(arrays, *V1)
    arrays = v1_arrays()
    arrays["input_tokens"] = producer
    with pytest.raises(advstep.ArgumentError, match="was already consumed"):
        call(arrays, *V1)
    assert producer.host.tolist() == numpy_result(v1_arrays, V1)["input_tokens"]


def test_one_capsule_given_for_two_arguments() -> None:
    arrays = v1_arrays()
    producer = FakeArray(arrays["input_tokens"])
    capsule = producer.__dlpack__()
    arrays["input_tokens"], arrays["input_positions"] = capsule, capsule
    before = producer.host.tolist()
    with pytest.raises(advstep.ArgumentError) as raised:
        call(arrays, *V1)
    assert "input_positions was already consumed" in str(raised.value)
    assert producer.deleted == 1 and producer.host.tolist() == before


def test_capsule_passed_directly_runs_and_is_consumed() -> None:
    expected = numpy_result(v1_arrays, V1)
    arrays = v1_arrays()
    producers = {name: FakeArray(arrays[name], versioned=versioned)
                 for name, versioned in (("input_tokens", False), ("block_tables", True))}
    capsules = {name: p.__dlpack__() for name, p in producers.items()}
    arrays.update(capsules)
    call(arrays, *V1)
    assert producers["input_tokens"].host.tolist() == expected["input_tokens"]
    assert capsule_name(capsules["input_tokens"]) == "used_dltensor"
    assert capsule_name(capsules["block_tables"]) == "used_dltensor_versioned"
    assert all(p.deleted == 1 for p in producers.values())


@pytest.mark.parametrize("options,got", [
    ({"name": b"tensor"}, "a capsule named 'tensor'"),
    ({"unnamed": True}, "an unnamed capsule"),
    ({"name": b"dltensor_versioned2"}, "a capsule named 'dltensor_versioned2'"),
])
def test_capsule_of_another_name_is_refused_unconsumed(options: dict[str, Any], got: str) -> None:
    arrays = v1_arrays()
    producer = FakeArray(arrays["input_tokens"], **options)
    arrays["input_tokens"] = producer
    refused(arrays, V1, ARGUMENT, "the capsule input_tokens.__dlpack__() returned must be a DLPack capsule (expected "
                                  f"a capsule named 'dltensor' or 'dltensor_versioned', got {got})")
    assert producer.deleted == 0  # not consumed: its producer still owns it


def test_used_capsule_passed_directly() -> None:
    arrays = v1_arrays()
    producer = FakeArray(arrays["block_tables"], name=b"used_dltensor_versioned")
    arrays["block_tables"] = producer.__dlpack__()
    refused(arrays, V1, ARGUMENT, "block_tables was already consumed")
    assert producer.deleted == 0


# ---- DLPack: versions and flags -------------------------------------------------------------------

def test_versioned_producer_is_asked_for_dlpack_1() -> None:
    expected = numpy_result(v1_arrays, V1)
    arrays = v1_arrays()
    producer = FakeArray(arrays["slot_mapping"], versioned=None)
    arrays["slot_mapping"] = producer
    call(arrays, *V1)
    assert producer.calls == [{"max_version": (1, 0)}]
    assert capsule_name(producer._capsule) == "used_dltensor_versioned"
    assert producer.host.tolist() == expected["slot_mapping"] and producer.deleted == 1


def test_producer_older_than_max_version_is_asked_again() -> None:
    expected = numpy_result(v1_arrays, V1)
    arrays = v1_arrays()
    producer = FakeArray(arrays["seq_lens"], old_producer=True)
    arrays["seq_lens"] = producer
    call(arrays, *V1)
    assert producer.calls == [{"max_version": (1, 0)}, {}]
    assert producer.host.tolist() == expected["seq_lens"] and producer.deleted == 1


def test_newer_minor_version_is_read() -> None:
    arrays = v1_arrays()
    producer = FakeArray(arrays["input_tokens"], versioned=True, version=(1, 3))
    arrays["input_tokens"] = producer
    call(arrays, *V1)
    assert producer.host.tolist() == numpy_result(v1_arrays, V1)["input_tokens"]


def test_another_major_version_is_refused_unconsumed() -> None:
    arrays = v1_arrays()
    producer = FakeArray(arrays["input_tokens"], versioned=True, version=(2, 0))
    arrays["input_tokens"] = producer
    refused(arrays, V1, ARGUMENT, "has a DLPack version advstep cannot read (expected version 1.x, got version 2.0)")
    assert producer.deleted == 0 and capsule_name(producer._capsule) == "dltensor_versioned"


@pytest.mark.parametrize("flags,match", [
    (READ_ONLY, "input_tokens must be writable (expected a writable array, got a read-only fake_dlpack.FakeArray)"),
    (IS_COPIED, "input_tokens must be exported without a copy (the results would not reach the caller's array) "
                "(expected the producer's own memory, got a copy made by fake_dlpack.FakeArray (DLPack flag "
                "is_copied))"),
])
def test_flags_refuse_a_written_array(flags: int, match: str) -> None:
    arrays = v1_arrays()
    producer = FakeArray(arrays["input_tokens"], versioned=True, flags=flags)
    arrays["input_tokens"] = producer
    refused(arrays, V1, ARGUMENT, match)
    assert producer.deleted == 1  # consumed, refused, released


@pytest.mark.parametrize("flags", [READ_ONLY, IS_COPIED, READ_ONLY | IS_COPIED])
def test_flags_are_fine_on_arrays_only_read(flags: int) -> None:
    arrays = v1_arrays()
    producers = [FakeArray(arrays[name], versioned=True, flags=flags) for name in ("sampled_token_ids", "block_tables")]
    arrays["sampled_token_ids"], arrays["block_tables"] = producers
    call(arrays, *V1)
    assert arrays["slot_mapping"].tolist() == numpy_result(v1_arrays, V1)["slot_mapping"]
    assert [p.deleted for p in producers] == [1, 1]


def test_read_only_numpy_arrays_travel_as_versioned_capsules() -> None:
    arrays = v1_arrays()
    arrays["seq_lens"].flags.writeable = False
    refused(arrays, V1, ARGUMENT, "seq_lens must be writable (expected a writable array, got a read-only "
                                  "numpy.ndarray)")


# ---- DLPack: malformed tensors --------------------------------------------------------------------

@pytest.mark.parametrize("options,code,match", [
    ({"ndim": -1}, ARGUMENT, "the capsule input_tokens.__dlpack__() returned has a negative ndim (expected >= 0, "
                             "got -1)"),
    ({"null_shape": True}, ARGUMENT, "has no shape (expected a shape of 1 dims, got a null shape pointer)"),
    ({"null_data": True, "byte_offset": 8}, ARGUMENT, "has a byte_offset from a null data pointer"),
    ({"null_data": True}, NULL, "input_tokens data must not be null"),
    ({"ndim": 9}, OUT_OF_RANGE, "input_tokens must be [N] or [N, 1]"),
])
def test_malformed_tensors_are_refused_and_released(options: dict[str, Any], code: int, match: str) -> None:
    arrays = v1_arrays()
    host = np.zeros(64, np.int64)  # room for the ndim 9 claim's shape reads
    host[:6] = arrays["input_tokens"]
    producer = FakeArray(host[:6], **options)
    if options.get("ndim") == 9:
        producer._shape = (ctypes.c_int64 * 9)(6, *([1] * 8))
        producer._strides = (ctypes.c_int64 * 9)(*([1] * 9))
    arrays["input_tokens"] = producer
    refused(arrays, V1, code, match)
    assert producer.deleted == 1


def test_null_strides_are_row_major() -> None:
    arrays = v1_arrays()
    producer = FakeArray(arrays["block_tables"], null_strides=True)
    arrays["block_tables"] = producer
    call(arrays, *V1)
    assert arrays["slot_mapping"].tolist() == numpy_result(v1_arrays, V1)["slot_mapping"]


def test_byte_offset_is_added_to_the_data_pointer() -> None:
    arrays = v1_arrays()
    wide = np.concatenate([[-555], arrays["input_tokens"]]).astype(np.int64)
    producer = FakeArray(wide[1:], byte_offset=8)  # data points at wide[0]; the tensor starts at wide[1]
    arrays["input_tokens"] = producer
    call(arrays, *V1)
    assert wide.tolist() == [-555] + numpy_result(v1_arrays, V1)["input_tokens"]


# ---- DLPack: producers whose methods misbehave ----------------------------------------------------

class Raising(FakeArray):
    """__dlpack__ raises ``error``."""

    def __init__(self, host: Any, error: BaseException) -> None:
        super().__init__(host)
        self.error = error

    def __dlpack__(self, **keywords: Any) -> Any:
        raise self.error


@pytest.mark.parametrize("error", [ValueError("bad stream"), KeyError("device"), RuntimeError("gone"),
                                   TypeError("no"), BufferError("cannot export")])
def test_dlpack_that_raises(error: Exception) -> None:
    arrays = v1_arrays()
    arrays["block_tables"] = Raising(arrays["block_tables"], error)
    raised = refused(arrays, V1, ARGUMENT, f"block_tables.__dlpack__() failed (expected a DLPack capsule, got "
                                           f"{type(error).__name__}: ")
    assert raised.__cause__ is error


def test_keyboard_interrupt_in_dlpack_propagates() -> None:
    arrays = v1_arrays()
    arrays["input_tokens"] = Raising(arrays["input_tokens"], KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        call(arrays, *V1)


class Returning(FakeArray):
    """__dlpack__ returns ``result``."""

    def __init__(self, host: Any, result: Any) -> None:
        super().__init__(host)
        self.result = result

    def __dlpack__(self, **keywords: Any) -> Any:
        return self.result


@pytest.mark.parametrize("result,got", [(42, "int"), (None, "NoneType"), ((1, 2), "tuple"), (b"dltensor", "bytes")])
def test_dlpack_that_returns_no_capsule(result: Any, got: str) -> None:
    arrays = v1_arrays()
    arrays["input_positions"] = Returning(arrays["input_positions"], result)
    refused(arrays, V1, ARGUMENT, "input_positions.__dlpack__() must return a DLPack capsule (expected a capsule "
                                  f"named 'dltensor' or 'dltensor_versioned', got {got})")


class NoDlpack(FakeArray):
    __dlpack__ = None  # type: ignore[assignment]


class DlpackProperty(FakeArray):
    @property
    def __dlpack__(self) -> Any:  # type: ignore[override]
        raise RuntimeError("no attribute today")


class NotCallable(FakeArray):
    __dlpack__ = 5  # type: ignore[assignment]


@pytest.mark.parametrize("kind,code,match", [
    (NoDlpack, ARGUMENT, "input_tokens must be an array supporting DLPack or the buffer protocol (got "
                         "test_hostile_arrays.NoDlpack)"),
    (DlpackProperty, ARGUMENT, "reading input_tokens.__dlpack__ failed (expected a DLPack producer's method, got "
                               "RuntimeError: no attribute today)"),
    (NotCallable, ARGUMENT, "input_tokens.__dlpack__() failed (expected a DLPack capsule, got TypeError: "),
])
def test_dlpack_attribute_that_is_no_method(kind: type, code: int, match: str) -> None:
    arrays = v1_arrays()
    arrays["input_tokens"] = kind(arrays["input_tokens"])
    refused(arrays, V1, code, match)
