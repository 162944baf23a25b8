"""Sizes weighed before anything is allocated: a shape's element count, and the machine's memory.

A shape is multiplied out in Python's exact integers, so a product that would wrap in int64 (and so
slip past a size guard) is refused instead; and a case whose arrays would not fit in the memory
available is refused before numpy is asked for them.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Optional

from .errors import UsageError
from .json_files import is_integer

#: The most elements one tensor may have: its int64 bytes must still count in an int64.
MAX_ELEMENTS = (2**63 - 1) // 8
MAX_DIMENSIONS = 8
#: What computing a case holds at once, in copies of its tensors: the case, the library's copies,
#: the reference's results and temporaries, the timed calls' copies.
WORKING_COPIES = 4


def element_count(shape: Iterable[Any], where: str) -> int:
    """The exact number of elements of ``shape`` (dimensions: non-negative integers, at most 8);
    a UsageError naming ``where`` when it is not a shape or holds more than MAX_ELEMENTS."""
    dims = list(shape) if isinstance(shape, (list, tuple)) else None
    if dims is None or len(dims) > MAX_DIMENSIONS or not all(is_integer(d) and d >= 0 for d in dims):
        shown = repr(shape) if len(repr(shape)) <= 60 else repr(shape)[:57] + "..."
        raise UsageError(f"{where}: shape must be a list of at most {MAX_DIMENSIONS} non-negative integers "
                         f"(got {shown})")
    count = 1
    for dim in dims:
        count *= dim
        if count > MAX_ELEMENTS or dim > MAX_ELEMENTS:  # a dimension alone, even beside a 0, too
            raise UsageError(f"{where}: shape {_shape_text(dims)} has more elements than int64 byte counts "
                             f"address (at most {MAX_ELEMENTS} in all and in each dimension)")
    return count


def _shape_text(dims: list[int]) -> str:
    text = "[" + ", ".join(str(d) if d.bit_length() <= 128 else f"<{d.bit_length()}-bit>" for d in dims) + "]"
    return text if len(text) <= 80 else text[:77] + "...]"


def available_memory() -> Optional[int]:
    """The bytes of memory available to new allocations (Linux's MemAvailable), or None when the
    system does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def size_text(count: int) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def check_memory(elements: int, where: str) -> None:
    """Refuses a case of ``elements`` int64 elements (all its tensors) that would not fit in the
    memory available (WORKING_COPIES copies of it), before anything is allocated."""
    need = elements * 8 * WORKING_COPIES
    free = available_memory()
    if free is not None and need > free:
        raise UsageError(f"{where}: too large for this machine's memory (computing it takes about "
                         f"{size_text(need)}, {size_text(free)} is available)")
