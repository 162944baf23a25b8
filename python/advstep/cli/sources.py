"""Where a verb's cases come from (a case file or a folder of tensors), and progress bars."""

from __future__ import annotations

import os
import sys
from typing import Iterable, Iterator, Optional, TypeVar

from . import case_files, tensor_files
from .case import Case

T = TypeVar("T")


def progress(items: Iterable[T], total: int, what: str) -> Iterator[T]:
    """``items`` with a progress bar on stderr when it is a terminal and there is more than one."""
    if total <= 1 or not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, total=total, desc=what, unit="case", leave=False, file=sys.stderr)


def cases_from(path: str, seed: int = 0, count: int = 1) -> Iterator[Case]:
    """The cases of a case file (``count`` seeded draws of each) or of a golden folder."""
    if os.path.isdir(path):
        for stored in tensor_files.read_cases(path):
            yield stored.case
        return
    specs = case_files.load(path)
    for index, spec in enumerate(specs):
        for copy in range(count):
            name = spec.name if count == 1 else f"{spec.name}_{copy:04d}"
            yield case_files.generate(spec, seed, index, copy, name)


def total_cases(path: str, count: int = 1) -> int:
    if os.path.isdir(path):
        return len(tensor_files.read_cases(path))
    return len(case_files.load(path)) * count


def describe(path: Optional[str]) -> str:
    return "the built-in batch" if path is None else path
