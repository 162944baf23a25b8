"""What the hostile-array tests share: numpy's result for a call, byte snapshots of any exporter,
the check that a call is refused with nothing written, ctypes arrays made from numpy arrays."""

from __future__ import annotations

import ctypes
from typing import Any, Callable

import numpy as np
import pytest

import advstep
from fake_dlpack import FakeArray
from test_errors import call

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


def ctypes_array(a: Any, element: Any = ctypes.c_int64) -> Any:
    """A ctypes array holding the values of the 1-D or 2-D numpy array ``a`` (nested when 2-D)."""
    if a.ndim == 1:
        return (element * a.shape[0])(*a.tolist())
    row = element * a.shape[1]
    return (row * a.shape[0])(*[row(*r) for r in a.tolist()])
