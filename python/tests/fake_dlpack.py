"""A minimal DLPack producer over numpy memory that can claim any device and dtype.

It lets the tests reach the paths that need hardware or dtypes numpy lacks: a CUDA array in a build
or on a machine without CUDA, a device advstep does not know, bfloat16. The claimed device is never
dereferenced on those paths, because the arguments are refused first.
"""

from __future__ import annotations

import ctypes
from typing import Any

CPU, CUDA, CUDA_HOST, METAL, CUDA_MANAGED = 1, 2, 3, 8, 13
INT, UINT, FLOAT, BFLOAT = 0, 1, 2, 4


class _Device(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _Device), ("ndim", ctypes.c_int32), ("dtype", _DType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


class _Managed(ctypes.Structure):
    _fields_ = [("dl_tensor", _Tensor), ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p)]


_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class FakeArray:
    """Exports ``host`` (a contiguous numpy array) as if it lived on ``device_type``/``device_id``
    with element type (``code``, ``bits``); the numpy array keeps the memory alive."""

    def __init__(self, host: Any, device_type: int = CPU, device_id: int = 0, code: int = INT,
                 bits: int = 64) -> None:
        self.host = host
        self.device = (device_type, device_id)
        self._shape = (ctypes.c_int64 * max(host.ndim, 1))(*host.shape)
        self._strides = (ctypes.c_int64 * max(host.ndim, 1))(*[s // host.itemsize for s in host.strides])
        self._dtype = (code, bits)
        self._managed: list[_Managed] = []  # every exported struct stays alive with this object

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.device

    def __dlpack__(self, **_: Any) -> Any:
        managed = _Managed()
        tensor = managed.dl_tensor
        tensor.data = self.host.ctypes.data
        tensor.device = _Device(*self.device)
        tensor.ndim = self.host.ndim
        tensor.dtype = _DType(self._dtype[0], self._dtype[1], 1)
        tensor.shape = self._shape
        tensor.strides = self._strides
        self._managed.append(managed)
        return _capsule_new(ctypes.addressof(managed), b"dltensor", None)
