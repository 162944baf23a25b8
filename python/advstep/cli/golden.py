"""``advstep golden CASE --out DIR``: seeded inputs and expected outputs, verified twice over.

Each case is computed by the library and by the command's own reference; a case where they
disagree is not written (and the command exits 1), so a golden never carries one
implementation's mistake. Before anything is computed, the selected cases are checked (a call
CANN refuses, a case too large for memory: sources.selected_specs), --out is proven writable and
the bytes the cases need are weighed against the free space of its filesystem. The folder's
manifest.json is written last: a folder without one is unfinished.
"""

from __future__ import annotations

import argparse
import os

from . import case_files, library, out_folder, sources, tensor_files, tensor_io
from .case import METADATA, OUTPUTS
from .errors import Interrupted, UsageError
from .limits import size_text
from .prepare_case import PrepareSpec
from .semantics import Semantics
from .verify import verify

#: What a case's manifest and the .npy headers add to its tensors' bytes, at most.
CASE_OVERHEAD_BYTES = 64 * 1024


def estimated_bytes(selected: list[tuple[int, case_files.CaseSpec | PrepareSpec]], count: int, formats: int = 2) -> int:
    """The bytes the golden files of ``count`` draws of each selected case take: every input and
    the outputs (four, or eight for FlashInfer), in each of ``formats`` formats (8 bytes an element), plus the manifests."""
    total = 0
    for _, spec in selected:
        elements = case_files.elements(spec)
        outputs = spec.outputs if isinstance(spec, PrepareSpec) else OUTPUTS + METADATA
        per_copy = sum(elements.values()) + sum(elements.get(name, 0) for name in outputs)
        total += count * (8 * formats * per_copy + CASE_OVERHEAD_BYTES)
    return total


def main(args: argparse.Namespace, semantics: Semantics) -> int:
    out_folder.check_path(args.out)
    if os.path.isdir(args.case):
        raise UsageError(f"{args.case}: golden reads a case file, not a folder")
    selected = sources.selected_specs(args.case, args.cases, args.first)
    names = [sources.case_name(spec, copy, args.count) for _, spec in selected for copy in range(args.count)]
    formats = tensor_io.chosen(args.format)
    created = out_folder.open_folder(args.out, args.force)
    try:
        need = estimated_bytes(selected, args.count, len(formats))
        free = out_folder.free_bytes(args.out)
        if need > free:
            raise UsageError(f"--out {args.out}: the {len(names)} cases need about {size_text(need)}, "
                             f"the filesystem has {size_text(free)} free (pick cases with --cases or --first)")
        out_folder.clear(args.out, names)
    except BaseException:
        out_folder.discard(args.out, created)
        raise
    device = library.Device("cpu")
    try:
        status = _write(args, semantics, selected, device, formats)
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
           device: library.Device, formats: tuple[str, ...]) -> int:
    names: list[str] = []
    labels: list[str] = []  # the semantics each case was computed with (FlashInfer's is its own)
    faults = 0
    extra = {"source": os.path.basename(args.case), "seed": args.seed, "count": args.count}
    total = len(selected) * args.count
    for case in sources.progress(sources.draws(selected, args.seed, args.count), total, "golden"):
        result = verify(case, semantics, device)
        if not result.agree:
            print(f"golden: case {case.name}: the library and the reference disagree, nothing written for it: "
                  f"{result.problems[0]}")
            return 1
        faults += result.library_fault is not None
        tensor_files.write_case(os.path.join(args.out, case.name), case, result.library, result.semantics,
                                {**extra, "fault": result.library_fault}, formats=formats)
        names.append(case.name)
        label = result.semantics.resolved().label()
        labels += [] if label in labels else [label]
    tensor_files.write_set(args.out, names, {**extra, **semantics.to_json()})
    note = f" ({faults} with an expected data fault: inputs only)" if faults else ""
    print(f"golden: {len(names)} case{'s' if len(names) != 1 else ''} written to {args.out}{note}, "
          f"{'; '.join(labels) or semantics.resolved().label()}, seed {args.seed}")
    return 0
