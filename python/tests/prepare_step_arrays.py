"""Tensors for the prepare-step oracle: Python ints in a shared storage list, with a shape, strides and a dtype.

Enough of a tensor model to state the contract's argument rules (spec prepare_step.md section 4: dtypes,
shapes, contiguity and overlap) without numpy: a view shares its ``storage`` list with its base, so two
arguments overlap exactly when they share a storage and reach a common element. Values always fit the
dtype (a real int32 tensor cannot hold 2**31); the oracle writes through ``store``, which the caller
checks against ``fits`` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
INDEX_DTYPES = tuple(RANGES)


def fits(value: int, dtype: str) -> bool:
    """Whether an int32/int64 tensor can hold ``value``."""
    low, high = RANGES[dtype]
    return low <= value <= high


def row_major_strides(shape: Sequence[int]) -> tuple[int, ...]:
    strides, step = [], 1
    for extent in reversed(shape):
        strides.append(step)
        step *= extent
    return tuple(reversed(strides))


@dataclass(eq=False)
class Array:
    """A strided view of ``storage`` (a list of ints), in elements. Build one with ``array`` or ``full``."""

    storage: list[int]
    shape: tuple[int, ...]
    dtype: str = "int64"
    offset: int = 0
    strides: Optional[tuple[int, ...]] = None

    def __post_init__(self) -> None:
        self.shape = tuple(self.shape)
        self.strides = row_major_strides(self.shape) if self.strides is None else tuple(self.strides)
        if len(self.strides) != len(self.shape):
            raise ValueError(f"strides {self.strides} do not match shape {self.shape}")
        if self.dtype in RANGES:
            for where in self.element_offsets():
                if not fits(self.storage[where], self.dtype):
                    raise ValueError(f"{self.storage[where]} does not fit {self.dtype}")

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> int:
        count = 1
        for extent in self.shape:
            count *= extent
        return count

    def _where(self, index: tuple[int, ...]) -> int:
        if len(index) != self.ndim or any(not 0 <= i < n for i, n in zip(index, self.shape)):
            raise IndexError(f"index {index} outside shape {self.shape}")
        return self.offset + sum(i * s for i, s in zip(index, self.strides))

    def __getitem__(self, index: int | tuple[int, ...]) -> int:
        return self.storage[self._where(index if isinstance(index, tuple) else (index,))]

    def store(self, index: tuple[int, ...], value: int) -> None:
        self.storage[self._where(index)] = value

    def flat_index(self, flat: int) -> tuple[int, ...]:
        """The multi-index of row-major element ``flat``."""
        index = []
        for extent in reversed(self.shape):
            index.append(flat % extent)
            flat //= extent
        return tuple(reversed(index))

    def element_offsets(self) -> set[int]:
        return {self._where(self.flat_index(k)) for k in range(self.numel)}

    def flat(self) -> list[int]:
        """The elements in row-major order."""
        return [self.storage[self._where(self.flat_index(k))] for k in range(self.numel)]

    def tolist(self) -> list:
        """Nested lists, as numpy's ``tolist``."""
        values = self.flat()
        for extent in reversed(self.shape[1:]):
            values = [values[i:i + extent] for i in range(0, len(values), extent)]
        return values

    def is_contiguous(self) -> bool:
        """Row-major and dense; the stride of an extent-1 dimension does not matter (as in torch)."""
        expected = row_major_strides(self.shape)
        return all(n == 1 or s == e for n, s, e in zip(self.shape, self.strides, expected))

    def same_view(self, other: "Array") -> bool:
        return (self.storage is other.storage and self.offset == other.offset and self.shape == other.shape
                and self.strides == other.strides and self.dtype == other.dtype)

    def overlaps(self, other: "Array") -> bool:
        if self.storage is not other.storage or self.numel == 0 or other.numel == 0:
            return False
        return not self.element_offsets().isdisjoint(other.element_offsets())

    def view(self, offset: int, shape: Sequence[int], strides: Sequence[int]) -> "Array":
        """Another view of the same storage (offset and strides in elements, relative to this view's start)."""
        return Array(self.storage, tuple(shape), self.dtype, self.offset + offset, tuple(strides))

    def column(self, j: int) -> "Array":
        """``a[:, j]`` of a 2-D array: a strided view, as an engine passes ``draft_tokens[:, 0]``."""
        return self.view(j * self.strides[1], (self.shape[0],), (self.strides[0],))

    def rows(self, start: int, stop: int) -> "Array":
        """``a[start:stop]``: a contiguous view when the array is."""
        return self.view(start * self.strides[0], (stop - start,) + self.shape[1:], self.strides)


def _shape_of(values) -> tuple[int, ...]:
    shape = []
    while isinstance(values, (list, tuple)):
        shape.append(len(values))
        if not values:
            break
        values = values[0]
    return tuple(shape)


def _flatten(values) -> list[int]:
    if isinstance(values, (list, tuple)):
        return [x for v in values for x in _flatten(v)]
    return [int(values)]


def array(values, dtype: str = "int64", shape: Optional[Sequence[int]] = None) -> Array:
    """A fresh tensor holding ``values`` (nested lists; ``shape`` reshapes a flat list, e.g. to [0, 3])."""
    flat = _flatten(values)
    if shape is None:
        shape = _shape_of(values)
    if len(flat) != _numel(shape):
        raise ValueError(f"{len(flat)} values cannot take shape {tuple(shape)}")
    return Array(flat, tuple(shape), dtype)


def full(shape: Sequence[int] | int, fill: int, dtype: str = "int64") -> Array:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Array([fill] * _numel(shape), shape, dtype)


def _numel(shape: Sequence[int]) -> int:
    count = 1
    for extent in shape:
        count *= extent
    return count
