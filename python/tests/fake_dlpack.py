"""A minimal DLPack producer over numpy memory that can claim any device and dtype, and misbehave.

It lets the tests reach the paths that need hardware or dtypes numpy lacks: a CUDA array in a build
or on a machine without CUDA, a device advstep does not know, bfloat16. The claimed device is never
dereferenced on those paths, because the arguments are refused first.

It also plays the hostile producers a consumer must survive: versioned (DLPack 1.x) capsules with
read-only or is-copied flags or another major version, a producer that hands out the same capsule
twice, capsules of another name, tensors with a negative ndim or no shape, producers older than the
max_version keyword. Every exported tensor has a deleter that counts its calls, so a test can tell
that the consumer released each tensor it consumed exactly once, and none it refused unconsumed.
"""

from __future__ import annotations

import ctypes
from typing import Any, Optional

CPU, CUDA, CUDA_HOST, METAL, CUDA_MANAGED = 1, 2, 3, 8, 13
INT, UINT, FLOAT, BFLOAT = 0, 1, 2, 4
READ_ONLY, IS_COPIED = 1, 2  # flags of a versioned tensor


class _Device(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _Device), ("ndim", ctypes.c_int32), ("dtype", _DType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


_Deleter = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _Managed(ctypes.Structure):
    _fields_ = [("dl_tensor", _Tensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _Deleter)]


class _Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class _ManagedVersioned(ctypes.Structure):
    _fields_ = [("version", _Version), ("manager_ctx", ctypes.c_void_p), ("deleter", _Deleter),
                ("flags", ctypes.c_uint64), ("dl_tensor", _Tensor)]


_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_capsule_name = ctypes.pythonapi.PyCapsule_GetName
_capsule_name.restype = ctypes.c_char_p
_capsule_name.argtypes = [ctypes.py_object]


def capsule_name(capsule: Any) -> Optional[str]:
    """The name of ``capsule`` ("dltensor", "used_dltensor", ...), None when it has none."""
    name = _capsule_name(capsule)
    return None if name is None else name.decode()


class FakeArray:
    """Exports ``host`` (a contiguous numpy array) as if it lived on ``device_type``/``device_id``
    with element type (``code``, ``bits``); the numpy array keeps the memory alive.

    Misbehaviours, all off by default: ``versioned`` (None: a versioned capsule exactly when the
    consumer passes max_version, as DLPack 1.x producers do; True/False: always/never), ``version``
    and ``flags`` of a versioned capsule, ``reuse_capsule`` (return the first capsule again on every
    call), ``name`` (the capsule's name; ``unnamed``: none), ``ndim`` (claimed instead of host.ndim), ``null_shape``,
    ``null_strides``, ``null_data``, ``byte_offset`` (data then points that many bytes before host),
    ``old_producer`` (raise TypeError when given
    max_version, as producers before DLPack 1.0 do). ``deleted`` counts the deleter's calls and
    ``calls`` records the keywords of each __dlpack__ call.
    """

    def __init__(self, host: Any, device_type: int = CPU, device_id: int = 0, code: int = INT,
                 bits: int = 64, *, versioned: Optional[bool] = False, version: tuple[int, int] = (1, 0),
                 flags: int = 0, reuse_capsule: bool = False, name: Optional[bytes] = None, unnamed: bool = False,
                 ndim: Optional[int] = None, null_shape: bool = False, null_strides: bool = False,
                 null_data: bool = False, byte_offset: int = 0, old_producer: bool = False) -> None:
        self.host = host
        self.device = (device_type, device_id)
        self._shape = (ctypes.c_int64 * max(host.ndim, 1))(*host.shape)
        self._strides = (ctypes.c_int64 * max(host.ndim, 1))(*[s // host.itemsize for s in host.strides])
        self._dtype = (code, bits)
        self.versioned, self.version, self.flags = versioned, version, flags
        self.reuse_capsule, self.name, self.unnamed, self.ndim = reuse_capsule, name, unnamed, ndim
        self.null_shape, self.null_strides, self.null_data = null_shape, null_strides, null_data
        self.byte_offset, self.old_producer = byte_offset, old_producer
        self.deleted = 0
        self.calls: list[dict[str, Any]] = []
        self._deleter = _Deleter(self._count_deletion)  # kept alive with this object
        self._managed: list[Any] = []  # every exported struct stays alive with this object
        self._capsule: Any = None

    def _count_deletion(self, _: Any) -> None:
        self.deleted += 1

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.device

    def __dlpack__(self, **keywords: Any) -> Any:
        self.calls.append(keywords)
        if self.old_producer and "max_version" in keywords:
            raise TypeError("__dlpack__() got an unexpected keyword argument 'max_version'")
        if self.reuse_capsule and self._capsule is not None:
            return self._capsule
        versioned = "max_version" in keywords if self.versioned is None else self.versioned
        managed: Any = _ManagedVersioned() if versioned else _Managed()
        if versioned:
            managed.version = _Version(*self.version)
            managed.flags = self.flags
        managed.deleter = self._deleter
        tensor = managed.dl_tensor
        # byte_offset is counted from data: the tensor still starts at host's first element.
        tensor.data = None if self.null_data else self.host.ctypes.data - self.byte_offset
        tensor.byte_offset = self.byte_offset
        tensor.device = _Device(*self.device)
        tensor.ndim = self.host.ndim if self.ndim is None else self.ndim
        tensor.dtype = _DType(self._dtype[0], self._dtype[1], 1)
        if not self.null_shape:
            tensor.shape = self._shape
        if not self.null_strides:
            tensor.strides = self._strides
        self._managed.append(managed)
        name = self.name if self.name is not None else b"dltensor_versioned" if versioned else b"dltensor"
        if self.unnamed:
            name = None
        self._capsule = _capsule_new(ctypes.addressof(managed), name, None)
        return self._capsule
