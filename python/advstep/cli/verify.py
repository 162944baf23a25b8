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
from .prepare_case import PrepareCase
from .prepare_terms import predicted
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
    if isinstance(case, PrepareCase):
        if semantics != Semantics():
            raise UsageError(f"{where}: {case.api} takes its bound and options from its case file (\"bound\": "
                             f"\"row\" or \"table\"), not from --semantics or --block-bound: leave them out")
        return Semantics("vllm", None, case.settings.get("bound", "row"))
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
        message = str(error) if isinstance(case, PrepareCase) else in_cann_names(str(error))
        raise UsageError(f"case {case.name}: {message}") from None
    if isinstance(case, PrepareCase):
        return _formula_check(result)
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


#: The largest prepare-step case whose outputs are recomputed element by element (plain Python) to check
#: the library's; a larger one is the library's alone.
MAX_FORMULA_ELEMENTS = 1 << 18


def _formula_check(result: Verified) -> Verified:
    """A prepare-step case the library ran: its outputs against the row formulas recomputed element by
    element (prepare_terms.predicted); a case that faulted is the library's verdict (nothing written)."""
    case = result.case
    if result.library is None or sum(int(case.tensors[n].size) for n in case.outputs) > MAX_FORMULA_ELEMENTS:
        return result
    result.reference = predicted(case)
    result.problems = [f"{d.tensor}: {d.count} of {d.size} elements differ, first at "
                       f"{d.first('row formulas', 'library')}"
                       for d in differences(result.reference, result.library, case.outputs)]
    return result
