"""``advstep golden CASE --out DIR``: seeded inputs and expected outputs, verified twice over.

Each case is computed by the library and by the command's own reference; a case where they
disagree is not written (and the command exits 1), so a golden never carries one
implementation's mistake. Before anything is computed, the selected cases are checked (CANN's V1
call refuses numSeqs <= numQueries) and the bytes they need are weighed against the free space of
--out's filesystem. The folder's manifest.json is written last: a folder without one is unfinished.
"""

from __future__ import annotations

import argparse
import os

from . import case_files, library, out_folder, sources, tensor_files
from .case import OUTPUTS
from .errors import Interrupted, UsageError
from .semantics import Semantics
from .verify import verify

#: What a case's manifest and the .npy headers add to its tensors' bytes, at most.
CASE_OVERHEAD_BYTES = 64 * 1024


def _is_v1(spec: case_files.CaseSpec) -> bool:
    return spec.spec_num == 0 and not spec.v2_without_speculation and not any(
        name in spec.tensors for name in ("specToken", "acceptedNum"))


def _check_cases(selected: list[tuple[int, case_files.CaseSpec]], path: str) -> None:
    for _, spec in selected:
        if _is_v1(spec) and spec.num_seqs <= spec.num_queries:
            raise UsageError(f"{path}: case {spec.name}: numSeqs {spec.num_seqs} <= numQueries {spec.num_queries}, "
                             f"which aclnnAdvanceStep refuses (561002); no golden is written for such a call")


def estimated_bytes(selected: list[tuple[int, case_files.CaseSpec]], count: int) -> int:
    """The bytes the golden files of ``count`` draws of each selected case take: every input and
    the four outputs, each as .npy and .bin (8 bytes an element), plus the manifests."""
    total = 0
    for _, spec in selected:
        elements = case_files.elements(spec)
        per_copy = sum(elements.values()) + sum(elements.get(name, 0) for name in OUTPUTS)
        total += count * (16 * per_copy + CASE_OVERHEAD_BYTES)
    return total


def _size(count: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def main(args: argparse.Namespace, semantics: Semantics) -> int:
    out_folder.check_writable(args.out)
    if os.path.isdir(args.case):
        raise UsageError(f"{args.case}: golden reads a case file, not a folder")
    selected = sources.selected_specs(args.case, args.cases)
    if args.first is not None:
        selected = selected[: args.first]
    _check_cases(selected, args.case)
    need = estimated_bytes(selected, args.count)
    free = out_folder.free_bytes(args.out)
    if need > free:
        raise UsageError(f"--out {args.out}: the {len(selected) * args.count} cases need about {_size(need)}, "
                         f"the filesystem has {_size(free)} free (pick cases with --cases or --first)")
    names = [spec.name if args.count == 1 else f"{spec.name}_{copy:04d}"
             for _, spec in selected for copy in range(args.count)]
    device = library.Device("cpu")
    created = out_folder.prepare(args.out, names, args.force)
    try:
        status = _write(args, semantics, selected, device)
    except KeyboardInterrupt:
        raise Interrupted(out_folder.discard(args.out, created)) from None
    except MemoryError:
        left = out_folder.discard(args.out, created)
        raise UsageError(f"{args.case}: a case is too large for this machine's memory ({left}; pick cases with "
                         f"--cases or --first)") from None
    except BaseException:
        out_folder.discard(args.out, created)
        raise
    if status != 0:
        print(f"golden: {out_folder.discard(args.out, created)}")
    return status


def _write(args: argparse.Namespace, semantics: Semantics, selected: list[tuple[int, case_files.CaseSpec]],
           device: library.Device) -> int:
    names: list[str] = []
    faults = 0
    extra = {"source": os.path.basename(args.case), "seed": args.seed}
    total = len(selected) * args.count
    for case in sources.progress(sources.draws(selected, args.seed, args.count), total, "golden"):
        result = verify(case, semantics, device)
        if not result.agree:
            print(f"golden: case {case.name}: the library and the reference disagree, nothing written for it: "
                  f"{result.problems[0]}")
            return 1
        faults += result.library_fault is not None
        tensor_files.write_case(os.path.join(args.out, case.name), case, result.library, semantics,
                                {**extra, "fault": result.library_fault})
        names.append(case.name)
    tensor_files.write_set(args.out, names, {**extra, **semantics.to_json()})
    note = f" ({faults} with an expected data fault: inputs only)" if faults else ""
    print(f"golden: {len(names)} case{'s' if len(names) != 1 else ''} written to {args.out}{note}, "
          f"{semantics.resolved().label()}, seed {args.seed}")
    return 0
