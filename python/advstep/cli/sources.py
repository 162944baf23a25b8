"""Where a verb's cases come from (a case file or a folder of tensors), and progress bars."""

from __future__ import annotations

import os
import sys
from typing import Iterable, Iterator, Optional, TypeVar

from . import case_files, tensor_files
from .case import Case
from .errors import UsageError

T = TypeVar("T")


def progress(items: Iterable[T], total: int, what: str) -> Iterator[T]:
    """``items`` with a progress bar on stderr when it is a terminal and there is more than one."""
    if total <= 1 or not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, total=total, desc=what, unit="case", leave=False, file=sys.stderr)


def selected_specs(path: str, only: Optional[list[int]] = None) -> list[tuple[int, case_files.CaseSpec]]:
    """The cases of the case file at ``path`` with their positions in it (counting from 0): all of
    them, or those at the positions ``only`` names. A position past the file's end is an error."""
    specs = case_files.load(path)
    if only is None:
        return list(enumerate(specs))
    beyond = [k for k in only if k >= len(specs)]
    if beyond:
        raise UsageError(f"--cases {beyond[0]}: {path} has {len(specs)} case{'s' if len(specs) != 1 else ''} "
                         f"(positions 0..{len(specs) - 1})")
    return [(k, specs[k]) for k in sorted(set(only))]


def draws(selected: list[tuple[int, case_files.CaseSpec]], seed: int = 0, count: int = 1) -> Iterator[Case]:
    """``count`` seeded draws of each selected case; a case's values depend on its position in the
    file, not on which others are selected."""
    for index, spec in selected:
        for copy in range(count):
            name = spec.name if count == 1 else f"{spec.name}_{copy:04d}"
            yield case_files.generate(spec, seed, index, copy, name)


def cases_from(path: str, seed: int = 0, count: int = 1) -> Iterator[Case]:
    """The cases of a case file (``count`` seeded draws of each) or of a golden folder."""
    if os.path.isdir(path):
        for stored in tensor_files.read_cases(path):
            yield stored.case
        return
    yield from draws(selected_specs(path), seed, count)


def total_cases(path: str, count: int = 1) -> int:
    if os.path.isdir(path):
        return len(tensor_files.read_cases(path))
    return len(case_files.load(path)) * count


def describe(path: Optional[str]) -> str:
    return "the built-in batch" if path is None else path
