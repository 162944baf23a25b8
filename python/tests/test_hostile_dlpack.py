"""DLPack producers and capsules as a hostile (or merely unusual) caller hands them over: capsules
passed directly or returned by __dlpack__, consumed once (a second import is refused, the tensor
released exactly once), versioned and unversioned, flagged, malformed, and producers whose
__dlpack__ raises, returns junk or predates max_version. Each is run, or refused with advstep's own
error and nothing written; never a read of released memory or a double free.
"""

from __future__ import annotations

import ctypes
from typing import Any

import pytest

import advstep
from fake_dlpack import IS_COPIED, READ_ONLY, FakeArray, capsule_name
from hostile import numpy_result, refused
from test_errors import ARGUMENT, NULL, OUT_OF_RANGE, V1, call, v1_arrays

np = pytest.importorskip("numpy")


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
                         "test_hostile_dlpack.NoDlpack)"),
    (DlpackProperty, ARGUMENT, "reading input_tokens.__dlpack__ failed (expected a DLPack producer's method, got "
                               "RuntimeError: no attribute today)"),
    (NotCallable, ARGUMENT, "input_tokens.__dlpack__() failed (expected a DLPack capsule, got TypeError: "),
])
def test_dlpack_attribute_that_is_no_method(kind: type, code: int, match: str) -> None:
    arrays = v1_arrays()
    arrays["input_tokens"] = kind(arrays["input_tokens"])
    refused(arrays, V1, code, match)
