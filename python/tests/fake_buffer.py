"""Buffer-protocol exports with any field a C exporter could set: format, item size, shape, strides,
suboffsets, read-only flag.

Python's own exporters (memoryview.cast, array.array, ctypes) always describe their memory
consistently, so the layouts a careless or hostile C extension can hand over are made here: the
fields go into a Py_buffer built with ctypes, and PyMemoryView_FromBuffer turns it into a
memoryview that re-exports exactly those fields. The memory is a numpy array kept alive with it.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any, Optional, Sequence


class _PyBuffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.c_void_p), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_void_p), ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
                ("strides", ctypes.POINTER(ctypes.c_ssize_t)), ("suboffsets", ctypes.POINTER(ctypes.c_ssize_t)),
                ("internal", ctypes.c_void_p)]


_from_buffer = ctypes.pythonapi.PyMemoryView_FromBuffer
_from_buffer.restype = ctypes.py_object
_from_buffer.argtypes = [ctypes.POINTER(_PyBuffer)]


class CraftedBuffer:
    """``view`` is a memoryview over ``host`` (a numpy array) that exports the given fields; strides
    and suboffsets in bytes, None for a NULL pointer; ``length`` (len) by default product(shape) *
    itemsize, as the protocol says. Keep this object alive while ``view`` is used."""

    def __init__(self, host: Any, format: str, itemsize: int, shape: Sequence[int],
                 strides: Optional[Sequence[int]] = None, suboffsets: Optional[Sequence[int]] = None,
                 readonly: bool = False, length: Optional[int] = None) -> None:
        self.host = host
        self._format = ctypes.create_string_buffer(format.encode())
        self._shape = (ctypes.c_ssize_t * max(len(shape), 1))(*shape)
        self._strides = None if strides is None else (ctypes.c_ssize_t * max(len(strides), 1))(*strides)
        self._suboffsets = None if suboffsets is None else (ctypes.c_ssize_t * max(len(suboffsets), 1))(*suboffsets)
        buffer = _PyBuffer()
        buffer.buf = host.ctypes.data
        buffer.len = itemsize * math.prod(shape) if length is None else length
        buffer.itemsize = itemsize
        buffer.readonly = int(readonly)
        buffer.ndim = len(shape)
        buffer.format = ctypes.addressof(self._format)
        buffer.shape = self._shape
        if self._strides is not None:
            buffer.strides = self._strides
        if self._suboffsets is not None:
            buffer.suboffsets = self._suboffsets
        self.view = _from_buffer(ctypes.byref(buffer))
