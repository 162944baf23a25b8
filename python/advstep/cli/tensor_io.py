"""One tensor file, read or written safely: ``.npy`` (numpy's format) or ``.bin`` (raw little-endian
int64, row-major, what CANN's test harnesses read).

Reading weighs a file before allocating anything: a ``.npy`` header is read alone and the bytes it
declares compared with the bytes the file holds (a 192-byte file declaring 4e9 elements is refused,
not allocated), an ``.npz`` archive under a ``.npy`` name is named as such, and only integer dtypes
are read (never pickles). Writing creates each file anew, never through a symbolic link and never
over an existing file: the command only writes files of its own.
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from typing import BinaryIO, Iterator

import numpy as np

from .errors import UsageError
from .limits import element_count

#: The tensor file formats, by extension; golden --format and check/explain --format pick among them.
FORMATS = ("npy", "bin")
_ZIP_MAGIC = b"PK\x03\x04"


def chosen(choice: str) -> tuple[str, ...]:
    """The formats --format names: npy, bin, or both."""
    return FORMATS if choice == "both" else (choice,)


def _short(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:160]


def _npy_header(file: BinaryIO, path: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    start = file.read(6)
    file.seek(0)
    if start[:4] == _ZIP_MAGIC:
        raise UsageError(f"{path}: an .npz archive under a .npy name (expected one array in .npy format)")
    try:
        with warnings.catch_warnings():  # numpy warns of headers it had to repair: a second stderr line
            warnings.simplefilter("ignore")
            version = np.lib.format.read_magic(file)
            if version == (1, 0):
                return np.lib.format.read_array_header_1_0(file)
            if version == (2, 0):
                return np.lib.format.read_array_header_2_0(file)
    except Exception as error:  # noqa: BLE001 - numpy parses the header text with ast/tokenize: any of
        # their errors (ValueError, SyntaxError, tokenize.TokenError, ...) means a malformed header
        raise UsageError(f"{path}: not a readable .npy file ({type(error).__name__}: {_short(error)})") from None
    raise UsageError(f"{path}: .npy format version {version[0]}.{version[1]} (advstep reads 1.0 and 2.0)")


def _same_layout(stored: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """Whether a ``.npy`` of shape ``stored`` holds the elements of ``shape`` in their row-major
    order: the same shape up to dimensions of size 1 (``[Q]`` for ``[Q, 1]``), or flat (as a
    ``.bin`` is). Same element count is not enough: ``[W, N]`` for ``[N, W]`` is a transposed
    table, whose values would be read in the wrong rows."""
    if len(stored) <= 1:
        return True
    return [d for d in stored if d != 1] == [d for d in shape if d != 1]


def read_npy(path: str, shape: tuple[int, ...]) -> np.ndarray:
    """The integer array in the ``.npy`` file ``path``, as int64 of ``shape`` (the element counts
    must agree, and the stored shape be ``shape``'s or flat: see ``_same_layout``)."""
    expected = element_count(list(shape), path)
    try:
        with open(path, "rb") as file:
            stored_shape, fortran, dtype = _npy_header(file, path)
            if dtype.hasobject or dtype.kind not in "iu" or dtype.fields is not None:
                raise UsageError(f"{path}: dtype {dtype} (expected an integer array)")
            count = element_count(list(stored_shape), f"{path}: header")
            size = os.fstat(file.fileno()).st_size
            data_bytes = size - file.tell()
            if count * dtype.itemsize != data_bytes:
                raise UsageError(f"{path}: its header declares {count} elements of {dtype.itemsize} bytes, the file "
                                 f"({size} bytes) holds {data_bytes} bytes after the header")
            if count != expected:
                raise UsageError(f"{path}: {count} elements (expected {expected}, shape {list(shape)})")
            if not _same_layout(stored_shape, shape):
                raise UsageError(f"{path}: shape {list(stored_shape)} (expected {list(shape)}, or the same "
                                 f"{expected} elements flat)")
            array = np.fromfile(file, dtype=dtype, count=count)
    except OSError as error:
        raise UsageError(f"{path}: cannot read ({error.strerror or _short(error)})") from None
    if array.size != count:
        raise UsageError(f"{path}: holds {array.size} of the {count} elements its header declares")
    if dtype.kind == "u" and dtype.itemsize == 8 and array.size and int(array.max()) > 2**63 - 1:
        raise UsageError(f"{path}: a uint64 value above int64's largest")
    ordered = array.reshape(stored_shape, order="F" if fortran else "C")
    return np.ascontiguousarray(ordered.astype(np.int64)).reshape(shape)


def read_bin(path: str, shape: tuple[int, ...]) -> np.ndarray:
    """The raw little-endian int64 file ``path``, of ``shape`` (its size must be 8 bytes an element)."""
    expected = element_count(list(shape), path)
    try:
        size = os.path.getsize(path)
        if size != expected * 8:
            raise UsageError(f"{path}: {size} bytes (expected {expected * 8}: {expected} little-endian int64 values)")
        return np.fromfile(path, dtype="<i8", count=expected).astype(np.int64).reshape(shape)
    except OSError as error:
        raise UsageError(f"{path}: cannot read ({error.strerror or _short(error)})") from None


def read(path: str, shape: tuple[int, ...]) -> np.ndarray:
    """A tensor file of either format, by its extension."""
    return read_npy(path, shape) if path.endswith(".npy") else read_bin(path, shape)


@contextmanager
def _writing(path: str) -> Iterator[None]:
    """An OSError while writing ``path`` names it (numpy's and a full disk's errors may not)."""
    try:
        yield
    except FileExistsError:
        raise UsageError(f"{path}: already exists and is not advstep's to replace (move it away)") from None
    except OSError as error:
        if error.filename:
            raise
        raise OSError(error.errno, error.strerror or str(error), path) from None


def create(path: str) -> BinaryIO:
    """``path`` opened for writing as a new file: refused when anything (a file, a symbolic link)
    is already there, so nothing is written through a link or over another's file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    with _writing(path):
        return os.fdopen(os.open(path, flags, 0o666), "wb")


def make_folder(path: str) -> None:
    """Creates the folder ``path`` (its parent exists), or accepts a real folder already there; a
    symbolic link or a file in its place is refused: the command writes only into real folders."""
    try:
        os.mkdir(path)
        return
    except FileExistsError:
        pass
    except OSError as error:
        raise OSError(error.errno, error.strerror or str(error), path) from None
    if os.path.islink(path) or not os.path.isdir(path):
        raise UsageError(f"{path}: {'a symbolic link' if os.path.islink(path) else 'not a folder'} where advstep "
                         f"writes a folder of its own (move it away)")


def write(folder: str, name: str, array: np.ndarray, formats: tuple[str, ...]) -> dict[str, object]:
    """Writes ``array`` as ``folder/name.npy`` and/or ``.bin`` (``formats``); its manifest entry."""
    make_folder(folder)
    data = np.ascontiguousarray(array, dtype="<i8")
    if "npy" in formats:
        path = os.path.join(folder, name + ".npy")
        with create(path) as file, _writing(path):
            np.save(file, data, allow_pickle=False)
    if "bin" in formats:
        path = os.path.join(folder, name + ".bin")
        with create(path) as file, _writing(path):
            data.tofile(file)
    return {"shape": list(data.shape), "dtype": "int64"}
