"""A case computed twice, by the library and by the command's reference, and the verdict."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .. import ArgumentError, DataFaultError
from . import library, reference
from .case import PYTHON_NAMES, Case
from .compare import differences
from .errors import UsageError
from .semantics import Semantics


@dataclass
class Verified:
    """The library's and the reference's outputs (None with a fault message instead)."""

    case: Case
    library: Optional[dict[str, np.ndarray]] = None
    library_fault: Optional[str] = None
    reference: Optional[dict[str, np.ndarray]] = None
    reference_fault: Optional[str] = None
    problems: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return not self.problems


def in_cann_names(message: str) -> str:
    """The library's message with its Python keyword names (seq_lens) in the case files' CANN names
    (seqLens)."""
    for cann, python in PYTHON_NAMES.items():
        message = re.sub(rf"\b{python}\b", cann, message)
    return message


def verify(case: Case, semantics: Semantics, device: library.Device) -> Verified:
    """Runs ``case`` on the library and the reference. A call CANN refuses (case.cann_refusal) and an
    argument the library refuses are a UsageError naming the case."""
    refusal = case.refusal()
    if refusal is not None:
        raise UsageError(f"case {case.name}: {refusal}; there is no output to compute for it")
    result = Verified(case)
    try:
        result.library = library.compute(case, semantics, device)
    except DataFaultError as error:
        result.library_fault = str(error)
    except ArgumentError as error:
        raise UsageError(f"case {case.name}: {in_cann_names(str(error))}") from None
    try:
        result.reference = reference.advance(case, semantics)
    except reference.Fault as fault:
        result.reference_fault = str(fault)
    if result.library is not None and result.reference is not None:
        result.problems = [f"{d.tensor}: {d.count} of {d.size} elements differ, first at "
                           f"{d.first('reference', 'library')}"
                           for d in differences(result.reference, result.library)]
    elif result.library is None and result.reference is not None:
        result.problems = [f"the library reports a data fault the reference does not: {result.library_fault}"]
    elif result.library is not None and result.reference is None:
        result.problems = [f"the reference finds a data fault the library does not report: {result.reference_fault}"]
    return result
