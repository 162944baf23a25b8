"""``advstep run [CASE]``: advance each case on a device, verify it against the reference, time it.

CASE is a case file (drawn with ``--seed``, ``--count`` times each, as ``golden`` draws them, so a
run reproduces any golden's inputs), a golden or ``run --out`` folder, or nothing (the built-in
batch, drawn with ``--seed``). Everything is read and checked before anything runs; ``--out`` is then proven writable,
and, like golden's, must be empty or new (``--force``: out_folder.py) and is never the folder read.
"""

from __future__ import annotations

import argparse
import os
from typing import Any, Iterator, Optional

from . import builtin, library, out_folder, sources, tensor_files, tensor_io
from .case import Case
from .errors import Interrupted, UsageError
from .semantics import Semantics
from .verify import verify


def _format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us/call"
    return f"{seconds * 1e3:.2f} ms/call"


def _cases(args: argparse.Namespace) -> tuple[Iterator[Case], list[str], dict[str, Any], list[str]]:
    """The cases to run (drawn lazily from a case file), their names, what the manifests record of
    their source, and the folders they are read from (which --out must stay out of)."""
    if args.case is None:
        if args.count != 1:
            raise UsageError("--count draws cases from a case file; the built-in batch is two cases")
        cases = builtin.batch(args.seed or 0)
        return iter(cases), [case.name for case in cases], {"source": "the built-in batch", "seed": args.seed or 0}, []
    if os.path.isdir(args.case):
        if args.seed is not None or args.count != 1:
            raise UsageError(f"{args.case}: --seed and --count draw cases from a case file; a folder's values "
                             f"are stored")
        stored = tensor_files.read_cases(args.case)
        folders = [args.case] + [item.folder for item in stored]
        return iter([item.case for item in stored]), [item.case.name for item in stored], {"source": args.case}, folders
    seed = args.seed or 0
    selected = sources.selected_specs(args.case)
    names = [sources.case_name(spec, copy, args.count) for _, spec in selected for copy in range(args.count)]
    return sources.draws(selected, seed, args.count), names, {"source": args.case, "seed": seed}, []


def main(args: argparse.Namespace, semantics: Semantics) -> int:
    if args.out is not None:
        out_folder.check_path(args.out)
    device = library.Device(args.device)
    cases, names, source, folders = _cases(args)
    created: Optional[str] = None
    if args.out is not None:
        out_folder.refuse_overlap(args.out, folders)
        created = out_folder.open_folder(args.out, args.force)
        try:
            out_folder.clear(args.out, names)
        except BaseException:
            out_folder.discard(args.out, created)
            raise
    try:
        return _run(args, semantics, device, cases, len(names), source)
    except KeyboardInterrupt:
        if args.out is None:
            raise
        raise Interrupted(out_folder.discard(args.out, created)) from None
    except BaseException:
        if args.out is not None:
            out_folder.discard(args.out, created)
        raise


def _run(args: argparse.Namespace, semantics: Semantics, device: library.Device, cases: Iterator[Case], total: int,
         source: dict[str, Any]) -> int:
    print(f"advstep run: {sources.describe(args.case)} on {device.name}, {semantics.resolved().label()}")
    failed = count = 0
    written = []
    for case in sources.progress(cases, total, "run"):
        count += 1
        result = verify(case, semantics, device)
        own = result.semantics.resolved().label()  # FlashInfer's: vllm, row bound
        print(f"{case.name}: {case.api} {case.summary()}" + (f", {own}" if result.semantics != semantics else ""))
        if not result.agree:
            failed += 1
            for problem in result.problems:
                print(f"  MISMATCH {problem}")
        elif result.library_fault is not None:
            print(f"  data fault, as the reference finds: {result.library_fault}")
        else:
            timing = _format_time(library.time_per_call(case, semantics, device))
            print("  " + ", ".join(f"{name} ok" for name in case.outputs) + f"; {timing}")
        if args.out is not None:
            extra = {**source, "device": device.name, "fault": result.library_fault}
            tensor_files.write_case(os.path.join(args.out, case.name), case, result.library, result.semantics, extra,
                                    results_name="outputs", formats=tensor_io.chosen(args.format))
            written.append(case.name)
    if args.out is not None:
        tensor_files.write_set(args.out, written, {**source, **semantics.to_json()})
    if failed:
        print(f"FAILED: {failed} of {count} case{'s' if count != 1 else ''} "
              f"{'differs' if failed == 1 else 'differ'} from the reference")
        return 1
    print(f"verified: every output of {count} case{'s' if count != 1 else ''} matches the reference")
    return 0
