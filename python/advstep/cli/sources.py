"""Where a verb's cases come from (a case file), and progress bars."""

from __future__ import annotations

import sys
from typing import Iterable, Iterator, Optional, TypeVar

from . import case_files, limits, names
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


def selected_specs(path: str, only: Optional[list[int]] = None,
                   first: Optional[int] = None) -> list[tuple[int, case_files.CaseSpec]]:
    """The cases of the case file at ``path`` with their positions in it (counting from 0): all of
    them, or those at the positions ``only`` names, then the ``first`` of those. A position past
    the file's end, a case CANN refuses (case.cann_refusal) and a case too large for the machine's
    memory are errors, found before anything is drawn."""
    specs = case_files.load(path)
    if only is None:
        selected = list(enumerate(specs))
    else:
        beyond = [k for k in only if k >= len(specs)]
        if beyond:
            raise UsageError(f"--cases {beyond[0]}: {path} has {len(specs)} case{'s' if len(specs) != 1 else ''} "
                             f"(positions 0..{len(specs) - 1})")
        selected = [(k, specs[k]) for k in sorted(set(only))]
    selected = selected[:first] if first is not None else selected
    for _, spec in selected:
        refusal = spec.refusal()
        if refusal is not None:
            raise UsageError(f"{path}: case {spec.name}: {refusal}; there is no output to compute for it")
        limits.check_memory(sum(case_files.elements(spec).values()), f"{path}: case {spec.name}")
    return selected


def draws(selected: list[tuple[int, case_files.CaseSpec]], seed: int = 0, count: int = 1) -> Iterator[Case]:
    """``count`` seeded draws of each selected case; a case's values depend on its position in the
    file, not on which others are selected."""
    for index, spec in selected:
        for copy in range(count):
            yield case_files.generate(spec, seed, index, copy, case_name(spec, copy, count))


def case_name(spec: case_files.CaseSpec, copy: int, count: int) -> str:
    """The folder name of draw ``copy`` of ``spec``: its name, with _0000.. when drawn several times."""
    return spec.name if count == 1 else names.plain_name(f"{spec.name}_{copy:04d}", f"case {spec.name} with --count")


def describe(path: Optional[str]) -> str:
    return "the built-in batch" if path is None else path
