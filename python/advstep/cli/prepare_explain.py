"""``advstep explain`` for a prepare-step case: the library's outputs (CPU) against the observed ones, and for
each differing element, and each element asked for with ``--element``, its account (prepare_terms.py): batch
row b, state row r, token t, the formula and the values it read. When the library finds a data fault it
names the class (F1-F8) and the values; nothing is written then, so the observation should be the inputs.
"""

from __future__ import annotations

import re
from typing import Optional

import numpy as np

from . import library
from .compare import differences, total_mismatches
from .errors import UsageError
from .prepare_case import PrepareCase
from .prepare_terms import element_terms, fault_class
from .semantics import Semantics
from .verify import verify

_ELEMENT = re.compile(r"^([a-z_]{1,40})\[(\d{1,19}(?:\s*,\s*\d{1,19})*)\]$")


def parse_element(text: str) -> tuple[str, tuple[int, ...]]:
    """"slot_mapping[1, 5]" -> ("slot_mapping", (1, 5)); a UsageError for anything else."""
    match = _ELEMENT.match(text.strip())
    if not match:
        raise UsageError(f"--element {text[:60]!r}: expected TENSOR[INDEX] or TENSOR[I, J] (e.g. slot_mapping[5])")
    return match.group(1), tuple(int(part) for part in match.group(2).split(","))


def flat_index(case: PrepareCase, name: str, index: tuple[int, ...]) -> Optional[int]:
    """The flat index of ``name[index]`` in ``case`` (a single index is already flat; ``slot_mapping[0, t]``
    names token t of a one-group [M] slot_mapping too); None when the case has no such element."""
    if name not in case.outputs:
        return None
    shape = tuple(case.tensors[name].shape)
    if name == "slot_mapping" and len(shape) == 1 and len(index) == 2 and index[0] == 0:
        index = index[1:]
    size = int(np.prod(shape, dtype=object))
    if len(index) == 1:
        return index[0] if index[0] < size else None
    if len(index) == len(shape) and all(i < d for i, d in zip(index, shape)):
        return int(np.ravel_multi_index(index, shape))
    return None


def require_elements(cases: list[PrepareCase], elements: list[tuple[str, tuple[int, ...]]]) -> None:
    """Refuses an --element that no prepare-step case of the folder has, before anything is computed."""
    for name, index in elements:
        if not any(flat_index(case, name, index) is not None for case in cases):
            shown = f"{name}[{', '.join(map(str, index))}]"
            raise UsageError(f"--element {shown}: no prepare-step case here has that element (an output tensor "
                             f"of the case, inside its shape)")


def explain(case: PrepareCase, observed: dict[str, np.ndarray], show: int,
            elements: Optional[list[tuple[str, tuple[int, ...]]]] = None) -> bool:
    """Prints the account of ``case`` against ``observed``; whether the library's outputs reproduce it."""
    print(f"{case.name}: {case.api} {case.summary()}")
    result = verify(case, Semantics(), library.Device("cpu"))
    for problem in result.problems:
        print(f"  the library and the row formulas disagree: {problem}")
    predicted = result.library
    if result.library_fault is not None:
        print(f"  the library finds a data fault, {fault_class(result.library_fault) or 'unclassified'}: "
              f"{result.library_fault}")
        predicted = {name: case.tensors[name] for name in case.outputs}
    found = differences(predicted, observed, case.outputs)
    size = sum(int(np.asarray(observed[n]).size) for n in case.outputs)
    if not found:
        kept = " (its inputs unchanged: a fault writes nothing)" if result.library_fault else ""
        print(f"  reproduces all {len(case.outputs)} tensors{kept}")
    else:
        first = found[0].first("predicted", "observed")
        print(f"  {total_mismatches(found)} of {size} elements differ, first at {first}")
        shown = 0
        for difference in found:
            want, got = np.asarray(difference.expected).reshape(-1), np.asarray(difference.actual).reshape(-1)
            for k in difference.indices.tolist():
                if shown >= show or k >= want.size or k >= got.size:
                    break
                shown += 1
                print(f"    {difference.tensor}[{k}]: predicted {int(want[k])}, observed {int(got[k])}; "
                      f"{element_terms(case, difference.tensor, k)}")
    for name, index in elements or []:
        k = flat_index(case, name, index)
        if k is None:
            continue
        value = int(np.asarray(observed[name]).reshape(-1)[k])
        print(f"  {name}[{k}] = {value} observed: {element_terms(case, name, k)}")
    return not found
