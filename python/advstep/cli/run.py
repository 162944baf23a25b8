"""``advstep run [CASE]``: advance each case on a device, verify it against the reference, time it."""

from __future__ import annotations

import argparse
import os

from . import builtin, library, out_folder, sources, tensor_files
from .case import OUTPUTS
from .semantics import Semantics
from .verify import verify


def _format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us/call"
    return f"{seconds * 1e3:.2f} ms/call"


def main(args: argparse.Namespace, semantics: Semantics) -> int:
    if args.out is not None:
        out_folder.check_writable(args.out)
    device = library.Device(args.device)
    if args.case is None:
        cases, total = builtin.batch(), 2
    else:
        total = sources.total_cases(args.case)
        cases = sources.cases_from(args.case)
    print(f"advstep run: {sources.describe(args.case)} on {device.name}, {semantics.resolved().label()}")
    failed = 0
    count = 0
    names = []
    for case in sources.progress(cases, total, "run"):
        count += 1
        result = verify(case, semantics, device)
        print(f"{case.name}: {case.api} {case.summary()}")
        if not result.agree:
            failed += 1
            for problem in result.problems:
                print(f"  MISMATCH {problem}")
        elif result.library_fault is not None:
            print(f"  data fault, as the reference finds: {result.library_fault}")
        else:
            timing = _format_time(library.time_per_call(case, semantics, device))
            print("  " + ", ".join(f"{name} ok" for name in OUTPUTS) + f"; {timing}")
        if args.out is not None:
            os.makedirs(args.out, exist_ok=True)
            folder = os.path.join(args.out, case.name)
            extra = {"source": sources.describe(args.case), "device": device.name,
                     "fault": result.library_fault}
            tensor_files.write_case(folder, case, result.library, semantics, extra, results_name="outputs")
            names.append(case.name)
    if args.out is not None:
        tensor_files.write_set(args.out, names, {"source": sources.describe(args.case), **semantics.to_json()})
    if failed:
        print(f"FAILED: {failed} of {count} case{'s' if count != 1 else ''} "
              f"{'differs' if failed == 1 else 'differ'} from the reference")
        return 1
    print(f"verified: every output of {count} case{'s' if count != 1 else ''} matches the reference")
    return 0
