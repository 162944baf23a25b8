"""``advstep explain INPUTS ACTUAL``: which semantics reproduce an observed output.

A prepare-step case (prepare_explain.py) has no candidates: its account names, for each differing element
and each ``--element`` asked for, the row, state row, token and formula, and a data fault's class.

For every case of INPUTS (a golden or run --out folder) it computes the reference's outputs under
every candidate: vLLM's semantics and the Ascend kernels' with 1..64 cores (and any known SoC's
count beyond), each with the table and the row block bound. A candidate that finds a data fault
predicts unchanged tensors (nothing is written on a fault). Candidates with identical outputs are
grouped; groups are ranked by the number of differing elements, and each group that does not
reproduce the observation says where it first differs.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from . import prepare_explain, reference, sources, tensor_files, tensor_io, terms_flashinfer
from .case import Case
from .compare import Difference, differences, total_mismatches
from .errors import UsageError
from .prepare_case import PrepareCase
from .semantics import BOUNDS, Semantics, candidate_core_counts, socs_with_cores


def candidates(case: Optional[Case] = None) -> list[Semantics]:
    """The semantics tried: for a FlashInfer case only vLLM's with the row bound (spec section 9)."""
    if case is not None and case.is_flashinfer:
        return [terms_flashinfer.ROW_BOUND_VLLM]
    found = [Semantics("vllm", None, bound) for bound in BOUNDS]
    found += [Semantics("ascend", cores, bound) for cores in candidate_core_counts() for bound in BOUNDS]
    return found


def _effective(case: Case, semantics: Semantics) -> Semantics:
    """A representative with the same outputs: on the speculative path the core count does not
    matter, and on the plain path counts at or above max(Q, N - Q) all update every query row and
    pad only the first padding row."""
    if semantics.mode != "ascend":
        return semantics
    if case.has_speculation():
        return Semantics("ascend", 1, semantics.bound)
    cap = max(case.num_queries, case.num_seqs - case.num_queries, 1)
    return Semantics("ascend", min(int(semantics.cores or 1), cap), semantics.bound)


@dataclass
class Group:
    """Candidates with identical outputs, and how those differ from the observation."""

    members: list[Semantics]
    outputs: dict[str, np.ndarray]
    fault: Optional[str]
    mismatches: int = 0
    first: str = ""
    found: list[Difference] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


def _ranges(numbers: list[int]) -> str:
    parts: list[str] = []
    start = previous = None
    for n in sorted(numbers) + [None]:  # type: ignore[list-item]
        if start is not None and (n is None or n != previous + 1):
            parts.append(str(start) if start == previous else f"{start}..{previous}")
            start = None
        if n is not None and start is None:
            start = n
        previous = n
    return ", ".join(parts)


def label(members: list[Semantics]) -> str:
    """"vllm, table or row bound", "ascend, 40 cores (Ascend910B3, Ascend910B4)", ..."""
    parts = []
    for mode in ("vllm", "ascend"):
        of_mode = [m for m in members if m.mode == mode]
        if not of_mode:
            continue
        bounds = sorted({m.bound for m in of_mode}, key=BOUNDS.index)
        bound_text = "table or row bound" if len(bounds) == 2 else f"{bounds[0]} bound"
        if mode == "vllm":
            parts.append(f"vllm, {bound_text}")
            continue
        cores = sorted({int(m.cores or 0) for m in of_mode})
        if cores == candidate_core_counts():
            parts.append(f"ascend (any core count), {bound_text}")
            continue
        socs = [soc for c in cores for soc in socs_with_cores(c)]
        noun = "core" if cores == [1] else "cores"
        text = f"ascend, {_ranges(cores)} {noun}"
        if socs and len(cores) <= 2:
            text += f" ({', '.join(socs)})"
        elif socs:  # a range: say which known parts it covers
            known = sorted({c for c in cores if socs_with_cores(c)})
            text += f" (the known SoCs' {' and '.join(map(str, known))} included)"
        parts.append(f"{text}, {bound_text}")
    return "; ".join(parts)


def explain_case(case: Case, observed: dict[str, np.ndarray]) -> list[Group]:
    """Every candidate's group, best first."""
    computed: dict[Semantics, tuple[dict[str, np.ndarray], Optional[str]]] = {}
    groups: dict[bytes, Group] = {}
    for candidate in candidates(case):
        key = _effective(case, candidate)
        if key not in computed:
            try:
                computed[key] = (reference.advance(case, key), None)
            except reference.Fault as fault:
                computed[key] = ({name: np.asarray(case.tensors[name]) for name in case.outputs}, str(fault))
        outputs, fault = computed[key]
        fingerprint = b"".join(np.ascontiguousarray(outputs[n], dtype=np.int64).tobytes() for n in case.outputs)
        fingerprint += (fault is not None).to_bytes(1, "little")
        group = groups.setdefault(fingerprint, Group([], outputs, fault))
        group.members.append(candidate)
    for group in groups.values():
        found = differences(group.outputs, observed, case.outputs)
        group.found = found
        group.mismatches = total_mismatches(found)
        if found:
            group.first = found[0].first("predicted", "observed")
    simplicity = {"vllm": 0, "ascend": 1}
    return sorted(groups.values(), key=lambda g: (g.mismatches, min(simplicity[m.mode] for m in g.members)))


@dataclass
class _Line:
    """One ranked candidate group of one case, as printed."""

    rank: int
    what: str
    fault: str
    mismatches: int
    first: str
    tensors: int = 4
    #: For a FlashInfer case, the per-row account of what differs (terms_flashinfer.row_account).
    account: tuple[str, ...] = ()


def _verdict(case: Case, ranked: list[Group], show: int) -> list[_Line]:
    """The ranked lines of one case: the first ``show`` groups, and vLLM's always."""
    def what(group: Group) -> str:
        if case.is_flashinfer:
            return f"{case.api} (vLLM's semantics, row bound)"
        return label(group.members)

    def account(group: Group) -> tuple[str, ...]:
        return tuple(terms_flashinfer.row_account(case, group.found, show)) if case.is_flashinfer else ()

    return [_Line(rank, what(group),
                  f" (a data fault: {group.fault}; nothing written)" if group.fault else "",
                  group.mismatches, group.first, len(case.outputs), account(group))
            for rank, group in enumerate(ranked, start=1)
            if rank <= show or any(m.mode == "vllm" for m in group.members)]


def _key(lines: list[_Line], hidden: int) -> tuple[object, ...]:
    """What makes two cases' verdicts the same: the same candidates, ranked alike, reproducing alike."""
    return tuple((line.rank, line.what, line.fault, line.mismatches == 0, line.account) for line in lines) + (hidden,)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:3])
    return shown if len(names) <= 3 else f"{shown} and {len(names) - 3} more"


def _print_verdict(verdicts: list[tuple[str, list[_Line], int]], hidden: int, total_groups: int) -> None:
    """One case's lines; several cases with the same verdict once, with the range of their counts."""
    if len(verdicts) == 1:
        header, lines, size = verdicts[0]
        print(header)
        for line in lines:
            if line.mismatches == 0:
                print(f"  {line.rank}. {line.what}: reproduces all {line.tensors} tensors{line.fault}")
            else:
                print(f"  {line.rank}. {line.what}: {line.mismatches} of {size} elements differ, "
                      f"first at {line.first}{line.fault}")
                for text in line.account:
                    print(text)
    else:
        names = [header[: -len(suffix) - 2] for header, _, _ in verdicts
                 for suffix in [header.split(": ")[-1]]]
        print(f"{len(verdicts)} cases with the same verdict: {_names(names)}")
        for k, line in enumerate(verdicts[0][1]):
            if line.mismatches == 0:
                print(f"  {line.rank}. {line.what}: reproduces all {line.tensors} tensors in each{line.fault}")
                continue
            counts = [lines[k].mismatches for _, lines, _ in verdicts]
            low, high = min(counts), max(counts)
            spread = str(low) if low == high else f"{low} to {high}"
            print(f"  {line.rank}. {line.what}: {spread} elements differ in each{line.fault}")
    if hidden:
        print(f"  ... {hidden} more groups of candidates (--show {total_groups} lists them)")


def main(args: argparse.Namespace, _: Semantics) -> int:
    formats = tensor_io.chosen(args.format)
    cases = tensor_files.read_cases(args.inputs, formats)
    common: Optional[set[Semantics]] = None
    verdicts: dict[tuple[object, ...], list[tuple[str, list[_Line], int]]] = {}  # same verdict, printed once
    groups_of: dict[tuple[object, ...], int] = {}
    elements = [prepare_explain.parse_element(text) for text in args.element or []]
    prepare_ok: Optional[bool] = None
    prepare_explain.require_elements([s.case for s in cases if isinstance(s.case, PrepareCase)], elements)
    for stored in sources.progress(cases, len(cases), "explain"):
        folder = tensor_files.locate_results(args.actual, stored, single=len(cases) == 1, formats=formats)
        observed = tensor_files.read_results(folder, stored.results_shapes(), formats)
        if isinstance(stored.case, PrepareCase):  # one operation, no candidate semantics: its own account
            reproduced = prepare_explain.explain(stored.case, observed, args.show, elements)
            prepare_ok = reproduced and prepare_ok is not False
            continue
        if elements:
            raise UsageError(f"--element: explains the elements of prepare-step cases; {stored.case.name} is an "
                             f"{stored.case.api} case")
        ranked = explain_case(stored.case, observed)
        size = sum(int(np.asarray(observed[n]).size) for n in stored.case.outputs)
        lines = _verdict(stored.case, ranked, args.show)
        key = _key(lines, len(ranked) - len(lines))
        header = f"{stored.case.name}: {stored.case.api} {stored.case.summary()}"
        verdicts.setdefault(key, []).append((header, lines, size))
        groups_of[key] = len(ranked)
        matching = [m for g in ranked if g.mismatches == 0 for m in g.members]
        common = set(matching) if common is None else common & set(matching)
    for key, same in verdicts.items():
        _print_verdict(same, int(key[-1]), groups_of[key])  # type: ignore[call-overload]
    if prepare_ok is not None and not verdicts:
        print(f"explain: {'every case is reproduced' if prepare_ok else 'a case is not reproduced'} by the library")
        return 0 if prepare_ok else 1
    if prepare_ok is False:
        print("explain: a prepare-step case is not reproduced by the library")
        return 1
    if common:
        print(f"explain: reproduced by {label(sorted(common, key=_order))}")
        return 0
    print("explain: no single candidate reproduces every case")
    return 1


def _order(semantics: Semantics) -> tuple[int, int, int]:
    return (0 if semantics.mode == "vllm" else 1, int(semantics.cores or 0), BOUNDS.index(semantics.bound))
