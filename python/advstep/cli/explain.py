"""``advstep explain INPUTS ACTUAL``: which semantics reproduce an observed output.

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

from . import reference, sources, tensor_files
from .case import OUTPUTS, Case
from .compare import differences, total_mismatches
from .semantics import BOUNDS, Semantics, candidate_core_counts, socs_with_cores


def candidates() -> list[Semantics]:
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
    for candidate in candidates():
        key = _effective(case, candidate)
        if key not in computed:
            try:
                computed[key] = (reference.advance(case, key), None)
            except reference.Fault as fault:
                computed[key] = ({name: np.asarray(case.tensors[name]) for name in OUTPUTS}, str(fault))
        outputs, fault = computed[key]
        fingerprint = b"".join(np.ascontiguousarray(outputs[n], dtype=np.int64).tobytes() for n in OUTPUTS)
        fingerprint += (fault is not None).to_bytes(1, "little")
        group = groups.setdefault(fingerprint, Group([], outputs, fault))
        group.members.append(candidate)
    for group in groups.values():
        found = differences(group.outputs, observed)
        group.mismatches = total_mismatches(found)
        if found:
            group.first = found[0].first("predicted", "observed")
    simplicity = {"vllm": 0, "ascend": 1}
    return sorted(groups.values(), key=lambda g: (g.mismatches, min(simplicity[m.mode] for m in g.members)))


def main(args: argparse.Namespace, _: Semantics) -> int:
    cases = tensor_files.read_cases(args.inputs)
    common: Optional[set[Semantics]] = None
    for stored in sources.progress(cases, len(cases), "explain"):
        folder = tensor_files.locate_results(args.actual, stored, single=len(cases) == 1)
        observed = tensor_files.read_results(folder, stored.results_shapes())
        ranked = explain_case(stored.case, observed)
        size = sum(int(np.asarray(observed[n]).size) for n in OUTPUTS)
        print(f"{stored.case.name}: {stored.case.api} {stored.case.summary()}")
        matching = [m for g in ranked if g.mismatches == 0 for m in g.members]
        common = set(matching) if common is None else common & set(matching)
        for rank, group in enumerate(ranked, start=1):
            if rank > args.show and not any(m.mode == "vllm" for m in group.members):
                continue  # beyond --show, only vLLM's semantics is always listed
            what = label(group.members)
            fault = f" (a data fault: {group.fault}; nothing written)" if group.fault else ""
            if group.mismatches == 0:
                print(f"  {rank}. {what}: reproduces all {len(OUTPUTS)} tensors{fault}")
            else:
                print(f"  {rank}. {what}: {group.mismatches} of {size} elements differ, first at {group.first}{fault}")
        hidden = sum(1 for rank, g in enumerate(ranked, start=1)
                     if rank > args.show and not any(m.mode == "vllm" for m in g.members))
        if hidden:
            print(f"  ... {hidden} more groups of candidates (--show {len(ranked)} lists them)")
    if common:
        print(f"explain: reproduced by {label(sorted(common, key=_order))}")
        return 0
    print("explain: no single candidate reproduces every case")
    return 1


def _order(semantics: Semantics) -> tuple[int, int, int]:
    return (0 if semantics.mode == "vllm" else 1, int(semantics.cores or 0), BOUNDS.index(semantics.bound))
