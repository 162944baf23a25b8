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
    semantics: Semantics
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


def case_semantics(case: Case, semantics: Semantics, where: str) -> Semantics:
    """The semantics ``case`` is computed (and recorded) with: the one asked for, except that the
    FlashInfer form has vLLM's semantics and always the row bound (spec section 9); asking it for the
    Ascend kernels' is a UsageError naming ``where``."""
    if not case.is_flashinfer:
        return semantics
    if semantics.mode != "vllm":
        raise UsageError(f"{where}: {case.api} has vLLM's semantics only (spec section 9; CANN has no such "
                         f"operator), not {semantics.mode}'s: leave out --semantics for its cases")
    return Semantics("vllm", None, "row")


def verify(case: Case, semantics: Semantics, device: library.Device) -> Verified:
    """Runs ``case`` on the library and the reference. A call CANN refuses (case.cann_refusal) and an
    argument the library refuses are a UsageError naming the case."""
    refusal = case.refusal()
    if refusal is not None:
        raise UsageError(f"case {case.name}: {refusal}; there is no output to compute for it")
    semantics = case_semantics(case, semantics, f"case {case.name}")
    result = Verified(case, semantics)
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
                           for d in differences(result.reference, result.library, case.outputs)]
    elif result.library is None and result.reference is not None:
        result.problems = [f"the library reports a data fault the reference does not: {result.library_fault}"]
    elif result.library is not None and result.reference is None:
        result.problems = [f"the reference finds a data fault the library does not report: {result.reference_fault}"]
    return result
